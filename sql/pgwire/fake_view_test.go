package pgwire

import (
	"fmt"
	"regexp"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/sql"
)

// vModels are the rows of the fake relation v: one VARCHAR column, model.
var vModels = []string{"a", "b", "c", "d", "e"}

var fromVRe = regexp.MustCompile(`(?i)\bfrom\s+v\b`)

// fakeV answers a SELECT reading the relation v through weir's real parser,
// so that what does not parse fails as it does in weir: items are * or
// model (the column) or a string literal; any other column is 42703 at its
// position; WHERE is ignored (no row of v is 'pg_class'); LIMIT applies.
// ok is false when stmt is not a SELECT from v.
func fakeV(stmt string) (cols []Column, rows []Row, ok bool, err error) {
	if !fromVRe.MatchString(stmt) {
		return nil, nil, false, nil
	}
	stmts, err := sql.Parse(stmt)
	if err != nil {
		return nil, nil, true, err
	}
	if len(stmts) != 1 {
		return nil, nil, false, nil
	}
	sel, isSel := stmts[0].(*sql.SelectStmt)
	if !isSel || len(sel.Query.Selects) != 1 {
		return nil, nil, false, nil
	}
	s := sel.Query.Selects[0]
	if ref, isRef := s.From.(*sql.TableRef); !isRef || ref.Name != "v" {
		return nil, nil, false, nil
	}
	var vals []func(model string) Value
	for _, it := range s.Items {
		name := it.Alias
		switch e := it.Expr.(type) {
		case nil:
			if !it.Star {
				return nil, nil, true, &sql.Error{At: it.At, Code: "42601", Msg: "empty item"}
			}
			name = "model"
			vals = append(vals, func(m string) Value { return Value{S: m} })
		case *sql.ColumnRef:
			if e.Name != "model" {
				return nil, nil, true, &sql.Error{At: e.At, Code: "42703", Msg: fmt.Sprintf("column %q does not exist", e.Name)}
			}
			if name == "" {
				name = "model"
			}
			vals = append(vals, func(m string) Value { return Value{S: m} })
		case *sql.Literal:
			lit := e.S
			if name == "" {
				name = "?column?"
			}
			vals = append(vals, func(string) Value { return Value{S: lit} })
		default:
			return nil, nil, true, &sql.Error{At: e.ExprPos(), Code: "0A000", Msg: "fake v: unsupported item"}
		}
		cols = append(cols, Column{Name: name, Type: catalog.Varchar})
	}
	n := len(vModels)
	if l := sel.Query.Limit; l != nil && int(*l) < n {
		n = int(*l)
	}
	for _, m := range vModels[:n] {
		row := make(Row, len(vals))
		for i, v := range vals {
			row[i] = v(m)
		}
		rows = append(rows, row)
	}
	return cols, rows, true, nil
}
