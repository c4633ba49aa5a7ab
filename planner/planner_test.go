package planner

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/sql"
)

// TestPlanner runs the golden files of testdata/. Commands:
//
//	exec            CREATE SOURCE / CREATE [MATERIALIZED] VIEW statements,
//	                added to the test's catalog; prints ok or the error.
//	source          one CREATE SOURCE: prints the catalog definition.
//	explain         one query: prints the output schema and EXPLAIN.
//	error           one query: prints the planning error.
//	view name=N     stores a view definition without checking it.
//	viewrows name=N "name TYPE, ..." columns: declares N as the runtime
//	                presents a materialized view's current rows to a
//	                bounded read (a source of connector ViewConnector).
//	eval            one query and JSON source rows: prints the result rows
//	                (eval_test.go).
func TestPlanner(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		cat := catalog.New()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd == "eval" {
				return evalQuery(t, cat, d)
			}
			if d.Cmd == "viewrows" {
				return addViewRows(t, cat, d)
			}
			stmts, err := sql.Parse(d.Input)
			if err != nil {
				return "parse error: " + fmtErr(err)
			}
			switch d.Cmd {
			case "exec":
				var out []string
				for _, s := range stmts {
					if err := execStmt(cat, s); err != nil {
						return fmtErr(err)
					}
					out = append(out, "ok")
				}
				return strings.Join(out, "\n") + "\n"
			case "view":
				// Stores a view without checking it.
				var name string
				d.ScanArgs(t, "name", &name)
				if err := cat.AddView(&catalog.View{Name: name, SQL: d.Input}); err != nil {
					return fmtErr(err)
				}
				return "ok\n"
			case "source":
				cs, ok := stmts[0].(*sql.CreateSource)
				if !ok {
					t.Fatalf("%s: not a CREATE SOURCE", d.Pos)
				}
				src, err := SourceDef(cs)
				if err != nil {
					return fmtErr(err)
				}
				return describeSource(src)
			case "explain", "error":
				p, err := PlanQuery(cat, queryOf(t, stmts[0]))
				if err != nil {
					return fmtErr(err)
				}
				if d.Cmd == "error" {
					t.Fatalf("%s: expected an error, got a plan", d.Pos)
				}
				var cols []string
				for _, c := range p.Output {
					cols = append(cols, c.Name+" "+c.Type.String())
				}
				return fmt.Sprintf("output: %s\nwindowed: %v, sources: %d\n%s",
					strings.Join(cols, ", "), p.Windowed, len(p.Sources), Explain(p, "stdout"))
			}
			t.Fatalf("%s: unknown command %s", d.Pos, d.Cmd)
			return ""
		})
	})
}

func queryOf(t *testing.T, s sql.Statement) *sql.Query {
	switch x := s.(type) {
	case *sql.SelectStmt:
		return x.Query
	case *sql.Explain:
		return x.Query
	}
	t.Fatalf("not a query: %T", s)
	return nil
}

// execStmt declares a source or view in the catalog.
func execStmt(cat *catalog.Catalog, s sql.Statement) error {
	switch x := s.(type) {
	case *sql.CreateSource:
		src, err := SourceDef(x)
		if err != nil {
			return err
		}
		return cat.AddSource(src)
	case *sql.CreateView:
		p, err := PlanQuery(cat, x.Query)
		if err != nil {
			return err
		}
		return cat.AddView(&catalog.View{Name: x.Name, Materialized: x.Materialized, Schema: p.Output, SQL: x.Text()})
	}
	return fmt.Errorf("unsupported statement %T", s)
}

func fmtErr(err error) string {
	if e, ok := err.(*sql.Error); ok {
		return fmt.Sprintf("%s (%s)\n", e.Error(), e.Code)
	}
	return "error: " + err.Error() + "\n"
}

func describeSource(s *catalog.Source) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "source %s connector=%s\n", s.Name, s.Connector)
	for _, c := range s.Schema {
		fmt.Fprintf(&sb, "  %s %s\n", c.Name, c.Type)
	}
	if s.Watermark != nil {
		fmt.Fprintf(&sb, "  watermark %s delay=%s\n", s.Watermark.Column, formatMs(s.Watermark.DelayMs))
	}
	var keys []string
	for k := range s.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&sb, "  option %s = %s\n", k, s.Options[k])
	}
	return sb.String()
}

// addViewRows runs the datadriven command viewrows.
func addViewRows(t *testing.T, cat *catalog.Catalog, d *datadriven.TestData) string {
	var name string
	d.ScanArgs(t, "name", &name)
	var schema catalog.Schema
	for _, def := range strings.Split(strings.TrimSpace(d.Input), ",") {
		f := strings.Fields(def)
		if len(f) != 2 {
			t.Fatalf("%s: column %q is not \"name TYPE\"", d.Pos, def)
		}
		typ, ok := catalog.ParseType(f[1])
		if !ok {
			t.Fatalf("%s: unknown type %q", d.Pos, f[1])
		}
		schema = append(schema, catalog.Column{Name: f[0], Type: typ})
	}
	if err := cat.AddSource(&catalog.Source{Name: name, Schema: schema, Connector: ViewConnector, Options: catalog.Options{}}); err != nil {
		return fmtErr(err)
	}
	return "ok\n"
}
