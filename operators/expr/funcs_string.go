package expr

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// stringFunc returns the loop of LOWER, UPPER or LENGTH (CHAR_LENGTH).
// LENGTH counts characters (UTF-8 runes), not bytes, as PostgreSQL.
func stringFunc(name string) func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
	switch name {
	case "LOWER", "UPPER":
		f := strings.ToLower
		if name == "UPPER" {
			f = strings.ToUpper
		}
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			x, o := args[0].Str[:n], out.Str[:n]
			each(sel, n, func(i int) { o[i] = f(x[i]) })
		}
	}
	return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
		x, o := args[0].Str[:n], out.I64[:n]
		each(sel, n, func(i int) { o[i] = int64(utf8.RuneCountInString(x[i])) })
	}
}

// NewConcatOp returns l || r: string concatenation that is NULL when either
// side is NULL (the SQL operator; CONCAT() skips NULLs instead). Both sides
// must be VARCHAR (the planner casts other types).
func NewConcatOp(l, r Expr) (*Call, error) {
	for _, e := range []Expr{l, r} {
		if t := e.Type(); t != catalog.Varchar && t != catalog.Unknown {
			return nil, fmt.Errorf("expr: || needs VARCHAR, not %s", t)
		}
	}
	return &Call{
		Name: "||", Args: []Expr{l, r}, T: catalog.Varchar, propagate: true, fn: concat,
		args: []*coldata.Vec{newScratch(catalog.Varchar), newScratch(catalog.Varchar)},
	}, nil
}
