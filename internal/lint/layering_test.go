// Package lint holds tests that keep the repository's layering (DESIGN.md):
// imports point one way, and each third-party client sits in one package.
package lint

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/weirdb/weir"

// thirdParty maps an import path prefix to the only directories allowed to
// import it.
var thirdParty = map[string][]string{
	"github.com/segmentio/kafka-go":       {"operators/source/kafka", "operators/sink/kafka", "cmd/weir"},
	"github.com/twmb/franz-go":            {"operators/source/kafka", "operators/sink/kafka", "cmd/weir", "internal/kafkatest"}, // internal/kafkatest: the tests' shared kfake broker
	"github.com/jackc/pgx/v5/pgproto3":    {"sql/pgwire"},
	"github.com/cockroachdb/pebble":       {"storage"},
	"github.com/chzyer/readline":          {"cmd/weir"},
	"github.com/pingcap/tidb/pkg/parser":  {"sql"},
	"github.com/valyala/fastjson":         {"operators/source/jsondec", "operators/sink/kafka"},
	"github.com/prometheus/client_golang": {"runtime", "cmd/weir"},
	"github.com/DataDog/sketches-go":      {"operators/agg"},
	"github.com/axiomhq/hyperloglog":      {"operators/agg"},
	"github.com/xdg-go/scram":             {"sql/pgwire"},
	"github.com/jackc/pgx/v5/pgconn":      {"operators/sink/postgres", "storage", "sql/pgwire", "cmd/weir"}, // cmd/weir: the client repl and submit read pgconn.PgError
	"github.com/jackc/pgx/v5/pgxpool":     {"operators/sink/postgres", "storage"},
}

// forbidden maps a weir directory prefix to weir directory prefixes that it
// must not import (the arrows of DESIGN.md point the other way).
var forbidden = map[string][]string{
	"catalog":    {"coldata", "operators", "planner", "runtime", "sql", "storage", "cmd"},
	"coldata":    {"operators", "planner", "runtime", "sql", "storage", "cmd"},
	"storage":    {"operators", "planner", "runtime", "sql", "cmd"},
	"operators":  {"planner", "runtime", "sql", "cmd"},
	"planner":    {"runtime", "sql/pgwire", "cmd"},
	"sql/pgwire": {"operators", "planner", "runtime", "storage", "cmd"},
	"runtime":    {"cmd"},
	"sql":        {"planner", "runtime", "operators", "storage", "cmd"},
}

func TestLayering(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		test := strings.HasSuffix(path, "_test.go")
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			checkThirdParty(t, rel, p, test)
			if strings.HasPrefix(p, module+"/") {
				checkInternal(t, rel, strings.TrimPrefix(p, module+"/"))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func within(dir, prefix string) bool { return dir == prefix || strings.HasPrefix(dir, prefix+"/") }

func checkThirdParty(t *testing.T, dir, imp string, test bool) {
	for prefix, allowed := range thirdParty {
		if !within(imp, prefix) {
			continue
		}
		// Tests may use clients to check what the code under test did
		// (e.g. read back a topic, query PostgreSQL).
		if test {
			return
		}
		for _, a := range allowed {
			if within(dir, a) {
				return
			}
		}
		t.Errorf("%s imports %s; only %v may", dir, imp, allowed)
	}
}

func checkInternal(t *testing.T, dir, imp string) {
	for from, nots := range forbidden {
		if !within(dir, from) {
			continue
		}
		for _, n := range nots {
			if within(imp, n) {
				t.Errorf("%s imports %s: %s must not depend on %s (DESIGN.md layering)", dir, imp, from, n)
			}
		}
	}
}
