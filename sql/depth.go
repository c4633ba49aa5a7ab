package sql

import "strings"

// MaxNesting bounds how deeply a statement may nest: parentheses, CASE ...
// END, and operators applied to the result of other operators (a chain
// a + b + c is nested as (a + b) + c, one level per operator). Parsing,
// planning and evaluation recurse once per level, so a deeper statement
// is refused, as PostgreSQL refuses one past its stack depth limit,
// instead of holding a CPU or exhausting the stack.
const MaxNesting = 10000

// CodeStackDepth is SQLSTATE 54001, statement_too_complex (PostgreSQL's
// "stack depth limit exceeded").
const CodeStackDepth = "54001"

// nestingOps are the word operators that build an expression on the
// result of another.
var nestingOps = map[string]bool{"AND": true, "OR": true, "NOT": true}

// nestingResets are the words that start a new expression at the same
// parenthesis depth.
var nestingResets = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true,
	"LIMIT": true, "OFFSET": true, "FETCH": true, "EMIT": true, "WHEN": true, "THEN": true,
	"ELSE": true, "UNION": true, "ON": true, "BY": true,
}

// checkNesting refuses a statement nested more than MaxNesting levels,
// positioned at the token that goes past the limit. The depth it counts
// is an upper bound of the depth of the statement's expression trees: one
// level per enclosing parenthesis or CASE, plus one per operator before it
// at each enclosing level since the last ',' or clause keyword.
func (p *parser) checkNesting() error {
	type level struct{ ops int }
	levels := []level{{}}
	depth := 0 // len(levels)-1 plus the ops of every level
	for _, t := range p.toks {
		top := &levels[len(levels)-1]
		switch {
		case t.isOp("(") || t.is("CASE"):
			depth++
			levels = append(levels, level{})
		case t.isOp(")") || t.is("END"):
			if len(levels) > 1 {
				depth -= 1 + top.ops
				levels = levels[:len(levels)-1]
			}
			continue
		case t.isOp(","), t.isOp(";"), t.kind == tokIdent && nestingResets[strings.ToUpper(t.val)]:
			depth -= top.ops
			top.ops = 0
			continue
		case t.kind == tokOp && t.val != "." && t.val != "[" && t.val != "]",
			t.kind == tokIdent && nestingOps[strings.ToUpper(t.val)]:
			depth++
			top.ops++
		default:
			continue
		}
		if depth > MaxNesting {
			return p.errAt(t.start, CodeStackDepth,
				"stack depth limit exceeded: the statement nests more than %d levels of parentheses, CASE or operators here", MaxNesting)
		}
	}
	return nil
}
