package planner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/sql"
)

// FuzzPlanQuery checks that planning never panics, whatever the query:
// every statement that parses either plans or returns a *sql.Error.
func FuzzPlanQuery(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, block := range strings.Split(string(data), "\n\n") {
			lines := strings.Split(strings.TrimSpace(block), "\n")
			if len(lines) > 2 && (lines[0] == "explain" || lines[0] == "error") {
				var q []string
				for _, l := range lines[1:] {
					if l == "----" {
						break
					}
					q = append(q, l)
				}
				f.Add(strings.Join(q, "\n"))
			}
		}
	}
	ddl := `CREATE SOURCE metrics (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, cost DOUBLE,
  tokens BIGINT, error VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '2' MINUTE)
  WITH (connector = 'file', path = 'm');
CREATE SOURCE health (ts TIMESTAMP, host VARCHAR, severity VARCHAR, cpu DOUBLE,
  WATERMARK FOR ts AS ts - INTERVAL '10' SECOND) WITH (connector = 'file', path = 'h');
CREATE SOURCE notime (ts TIMESTAMP, v BIGINT) WITH (connector = 'file', path = 'x');
CREATE VIEW all_metrics AS SELECT * FROM metrics UNION ALL SELECT * FROM metrics;`
	f.Fuzz(func(t *testing.T, query string) {
		cat := catalog.New()
		stmts, err := sql.Parse(ddl)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if err := execStmt(cat, s); err != nil {
				t.Fatal(err)
			}
		}
		stmts, err = sql.Parse(query)
		if err != nil {
			return
		}
		for _, s := range stmts {
			var q *sql.Query
			switch x := s.(type) {
			case *sql.SelectStmt:
				q = x.Query
			case *sql.Explain:
				q = x.Query
			case *sql.CreateSource:
				_, _ = SourceDef(x)
				continue
			default:
				continue
			}
			p, err := PlanQuery(cat, q)
			if err != nil {
				if _, ok := err.(*sql.Error); !ok {
					t.Fatalf("not a *sql.Error: %v", err)
				}
				continue
			}
			_ = Explain(p, "stdout")
		}
	})
}
