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
// import it. kafka-go and franz-go belong to the Kafka connector packages:
// the source, the sink, and the retry package both of them use
// (operators/kafka/retry). cmd/weir imports neither: `weir produce` writes
// through the Kafka sink's package (kafka.Produce); its one exception,
// `weir dev-broker`, is listed in exceptions.
var thirdParty = map[string][]string{
	"github.com/segmentio/kafka-go":       {"operators/source/kafka", "operators/sink/kafka", "operators/kafka/retry"},
	"github.com/twmb/franz-go":            {"operators/source/kafka", "operators/sink/kafka", "internal/kafkatest"}, // internal/kafkatest: the tests' shared kfake broker
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

// exceptions are single files outside thirdParty's directories that may
// import one package of a client (the exact import path, not a prefix),
// each for the reason given. Keep this list short: a new entry needs a
// reason as narrow as these.
var exceptions = []struct {
	file, imp, why string
}{
	{"cmd/weir/devbroker.go", "github.com/twmb/franz-go/pkg/kfake",
		"`weir dev-broker` runs franz-go's in-memory broker for local tries; it is a developer tool, not a client of a real cluster"},
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
	// Sources and sinks are peers: what both need (Kafka retries, value
	// rendering) sits in a neutral package below them.
	"operators/source": {"operators/sink"},
	"operators/sink":   {"operators/source"},
}

// leaves maps a weir directory to the only weir directories its non-test
// files may import; besides those, only the standard library. A leaf is
// shared vocabulary that any layer may use.
var leaves = map[string][]string{
	"coldata/render": {"catalog", "coldata"},
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
		file := rel + "/" + filepath.Base(path)
		test := strings.HasSuffix(path, "_test.go")
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			checkThirdParty(t, rel, file, p, test)
			if !test {
				checkLeaf(t, rel, p)
			}
			if strings.HasPrefix(p, module+"/") {
				checkInternal(t, rel, strings.TrimPrefix(p, module+"/"))
				checkSinkToSink(t, rel, strings.TrimPrefix(p, module+"/"))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func within(dir, prefix string) bool { return dir == prefix || strings.HasPrefix(dir, prefix+"/") }

func checkThirdParty(t *testing.T, dir, file, imp string, test bool) {
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
		for _, e := range exceptions {
			if e.file == file && e.imp == imp {
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

// checkSinkToSink fails a sink package that imports another sink package:
// each sink stands alone, and what several share (value rendering, Kafka
// retries) lives below operators/sink.
func checkSinkToSink(t *testing.T, dir, imp string) {
	const sinks = "operators/sink/"
	if !strings.HasPrefix(dir, sinks) || !strings.HasPrefix(imp, sinks) {
		return
	}
	own, _, _ := strings.Cut(strings.TrimPrefix(dir, sinks), "/")
	other, _, _ := strings.Cut(strings.TrimPrefix(imp, sinks), "/")
	if own != other {
		t.Errorf("%s imports %s: a sink must not depend on another sink (move what they share below operators/sink)", dir, imp)
	}
}

// checkLeaf fails a leaf package's import of anything but the standard
// library and its allowed weir directories.
func checkLeaf(t *testing.T, dir, imp string) {
	allowed, ok := leaves[dir]
	if !ok {
		return
	}
	if rel, isWeir := strings.CutPrefix(imp, module+"/"); isWeir {
		for _, a := range allowed {
			if rel == a {
				return
			}
		}
		t.Errorf("%s imports %s: it is a leaf and may import only %v and the standard library", dir, imp, allowed)
		return
	}
	if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
		t.Errorf("%s imports %s: it is a leaf and may import only %v and the standard library", dir, imp, allowed)
	}
}
