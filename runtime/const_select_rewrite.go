package runtime

import (
	"slices"
	"strings"

	"github.com/weirdb/weir/sql"
)

// withVersion returns items with every version() call in them replaced by
// weir's version as a string literal; an unaliased item that is the call
// itself keeps PostgreSQL's column name, "version".
func withVersion(items []sql.SelectItem) []sql.SelectItem {
	var out []sql.SelectItem
	for i, it := range items {
		if it.Expr == nil {
			continue
		}
		x := replaceFuncs(it.Expr, versionLiteral)
		if x == it.Expr {
			continue
		}
		if out == nil {
			out = slices.Clone(items)
		}
		out[i].Expr = x
		if f, ok := it.Expr.(*sql.Func); ok && it.Alias == "" && versionLiteral(f) != nil {
			out[i].Alias = "version"
		}
	}
	if out == nil {
		return items
	}
	return out
}

// versionLiteral is version()'s value as a literal at the call, or nil
// for any other call.
func versionLiteral(f *sql.Func) sql.Expr {
	if !strings.EqualFold(f.Name, "version") || len(f.Args) > 0 || f.Star {
		return nil
	}
	return &sql.Literal{At: f.At, Kind: sql.LitString, S: WeirVersion()}
}

// replaceFuncs returns e with each call for which sub returns an
// expression replaced by it, copying only the nodes on the way to one.
func replaceFuncs(e sql.Expr, sub func(*sql.Func) sql.Expr) sql.Expr {
	r := func(x sql.Expr) sql.Expr {
		if x == nil {
			return nil
		}
		return replaceFuncs(x, sub)
	}
	list := func(xs []sql.Expr) ([]sql.Expr, bool) {
		var out []sql.Expr
		for i, x := range xs {
			if y := r(x); y != x {
				if out == nil {
					out = slices.Clone(xs)
				}
				out[i] = y
			}
		}
		return out, out != nil
	}
	switch x := e.(type) {
	case *sql.Func:
		if y := sub(x); y != nil {
			return y
		}
		if args, ok := list(x.Args); ok {
			c := *x
			c.Args = args
			return &c
		}
	case *sql.Binary:
		if l, rr := r(x.L), r(x.R); l != x.L || rr != x.R {
			c := *x
			c.L, c.R = l, rr
			return &c
		}
	case *sql.Unary:
		if y := r(x.X); y != x.X {
			c := *x
			c.X = y
			return &c
		}
	case *sql.IsNull:
		if y := r(x.X); y != x.X {
			c := *x
			c.X = y
			return &c
		}
	case *sql.IsTruth:
		if y := r(x.X); y != x.X {
			c := *x
			c.X = y
			return &c
		}
	case *sql.Cast:
		if y := r(x.X); y != x.X {
			c := *x
			c.X = y
			return &c
		}
	case *sql.In:
		y := r(x.X)
		items, ok := list(x.List)
		if y != x.X || ok {
			c := *x
			c.X = y
			if ok {
				c.List = items
			}
			return &c
		}
	case *sql.Between:
		if y, lo, hi := r(x.X), r(x.Lo), r(x.Hi); y != x.X || lo != x.Lo || hi != x.Hi {
			c := *x
			c.X, c.Lo, c.Hi = y, lo, hi
			return &c
		}
	case *sql.Like:
		if y, p, esc := r(x.X), r(x.Pattern), r(x.Escape); y != x.X || p != x.Pattern || esc != x.Escape {
			c := *x
			c.X, c.Pattern, c.Escape = y, p, esc
			return &c
		}
	case *sql.Regex:
		if y, p := r(x.X), r(x.Pattern); y != x.X || p != x.Pattern {
			c := *x
			c.X, c.Pattern = y, p
			return &c
		}
	case *sql.Case:
		c := *x
		changed := false
		if y := r(x.Operand); y != x.Operand {
			c.Operand, changed = y, true
		}
		if y := r(x.Else); y != x.Else {
			c.Else, changed = y, true
		}
		whens := false
		for i, w := range x.Whens {
			if cond, then := r(w.Cond), r(w.Then); cond != w.Cond || then != w.Then {
				if !whens {
					c.Whens, whens = slices.Clone(x.Whens), true
				}
				c.Whens[i] = sql.When{Cond: cond, Then: then}
				changed = true
			}
		}
		if changed {
			return &c
		}
	}
	return e
}
