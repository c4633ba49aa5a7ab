package pgwire

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestScan runs testdata/scan:
//
//	split    prints each statement of the input (E marks comment-only)
//	params   prints the $n references of the input
//	items    prints the SELECT items and the column name of each
//	bind oids=... formats=... \n stmt \n value...   prints the bound text
//	describe  prints the text Describe sees for the input
func TestScan(t *testing.T) {
	datadriven.RunTest(t, "testdata/scan", func(t *testing.T, d *datadriven.TestData) string {
		var b strings.Builder
		switch d.Cmd {
		case "split":
			for _, s := range splitStatements(d.Input) {
				mark := ""
				if s.Empty {
					mark = " E"
				}
				fmt.Fprintf(&b, "[%d,%d)%s %q\n", s.Start, s.End, mark, d.Input[s.Start:s.End])
			}
		case "params":
			for _, p := range findParams(d.Input) {
				fmt.Fprintf(&b, "$%d at [%d,%d)\n", p.N, p.Start, p.End)
			}
		case "items":
			for _, it := range selectItems(d.Input) {
				fmt.Fprintf(&b, "%q -> %q\n", it, itemName(it))
			}
		case "describe":
			out, _ := describeParams(d.Input, findParams(d.Input))
			return out + "\n"
		case "bind":
			lines := strings.Split(d.Input, "\n")
			var oids []uint32
			var formats []int16
			for _, a := range d.CmdArgs {
				for _, v := range a.Vals {
					var n int
					fmt.Sscan(v, &n)
					if a.Key == "oids" {
						oids = append(oids, uint32(n))
					} else {
						formats = append(formats, int16(n))
					}
				}
			}
			var values [][]byte
			for _, l := range lines[1:] {
				if l == "NULL" {
					values = append(values, nil)
				} else {
					values = append(values, []byte(l))
				}
			}
			for len(oids) < len(values) {
				oids = append(oids, 0)
			}
			out, _, err := bindParams(lines[0], findParams(lines[0]), values, formats, oids)
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			return out + "\n"
		default:
			t.Fatalf("unknown command %q", d.Cmd)
		}
		return b.String()
	})
}

// BenchmarkLooksLikeCatalogQuery: the check every statement goes through.
func BenchmarkLooksLikeCatalogQuery(b *testing.B) {
	for _, bc := range []struct{ name, stmt string }{
		{"user", "SELECT window_end, model, n, max_ms FROM v WHERE n >= $1 AND model <> 'pg_class' ORDER BY window_start LIMIT $2"},
		{"psql", `SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname OPERATOR(pg_catalog.~) '^(v)$' COLLATE pg_catalog.default`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = looksLikeCatalogQuery(bc.stmt)
			}
		})
	}
}
