package sql

import (
	"math/bits"
	"strings"
)

// MaxNesting bounds how deeply a statement may nest: parentheses, CASE ...
// END, and operators applied to the result of other operators (a chain
// a + b + c is nested as (a + b) + c, one level per operator). An AND or
// OR list counts once however many terms it joins, as PostgreSQL, which
// flattens such lists, counts it. Parsing, planning and evaluation
// recurse once per level, so a deeper statement is refused, as PostgreSQL
// refuses one past its stack depth limit, instead of holding a CPU or
// exhausting the stack.
const MaxNesting = 10000

// MaxOperatorDepth bounds the depth of a statement's expression trees as
// weir builds them, where a list a OR b OR c is (a OR b) OR c, one level
// per AND and OR. The parser, planner and evaluator recurse once per
// level: a planner frame is about 1 KB and a goroutine's stack stops at
// 1 GB, so a list of a million terms would crash the process.
const MaxOperatorDepth = 100000

// CodeStackDepth is SQLSTATE 54001, statement_too_complex (PostgreSQL's
// "stack depth limit exceeded").
const CodeStackDepth = "54001"

// nestingOps are the word operators that build an expression on the
// result of another (x IS NULL IS NULL, x IS DISTINCT FROM y IS DISTINCT
// FROM z).
var nestingOps = map[string]bool{
	"NOT": true, "IS": true, "LIKE": true, "ILIKE": true, "SIMILAR": true, "BETWEEN": true, "IN": true,
}

// listOps are the word operators that join a list of terms, one bit each.
var listOps = map[string]uint8{"AND": 1, "OR": 2}

// nestingResets are the words that start a new expression at the same
// parenthesis depth.
var nestingResets = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true,
	"LIMIT": true, "OFFSET": true, "FETCH": true, "EMIT": true, "WHEN": true, "THEN": true,
	"ELSE": true, "UNION": true, "ON": true, "BY": true,
}

// checkNesting refuses a statement nested more than MaxNesting levels, or
// whose trees are more than MaxOperatorDepth deep, positioned at the token
// that goes past the limit.
//
// It bounds the depth of each level (the statement, or a parenthesis or
// CASE) from above: a segment of a level, the tokens between two ',' or
// clause keywords, is a list of terms joined by AND and OR (AND and OR
// bind looser than any other operator), and a path down the segment's tree
// goes through its lists, then through operators of one term, then into at
// most one of that term's parenthesized groups. So a segment is at most
// (its lists) + max over terms of (the term's operators + 1 + its deepest
// group), and a level is as deep as its deepest segment. The lists count
// once per kind (an OR of ANDs is two levels) for MaxNesting and once per
// AND or OR for MaxOperatorDepth.
func (p *parser) checkNesting() error {
	levels := []nestLevel{{}}
	for i, t := range p.toks {
		top := &levels[len(levels)-1]
		word := ""
		if t.kind == tokIdent {
			word = strings.ToUpper(t.val)
		}
		if word == "FROM" && p.isDistinctFromAt(i) {
			continue // an operator, counted at its IS
		}
		switch {
		case t.isOp("(") || word == "CASE":
			levels = append(levels, top.open())
		case t.isOp(")") || word == "END":
			if len(levels) > 1 {
				flat, tree := top.flat.depth(top.ops), top.tree.depth(top.ops)
				levels = levels[:len(levels)-1]
				levels[len(levels)-1].closed(flat, tree)
			}
			continue
		case t.isOp(","), t.isOp(";"), nestingResets[word]:
			top.endSegment()
			continue
		case listOps[word] != 0:
			top.endTerm(listOps[word])
		case t.kind == tokOp && t.val != "." && t.val != "[" && t.val != "]", nestingOps[word]:
			top.ops++
		default:
			continue
		}
		top = &levels[len(levels)-1]
		if top.flat.total(top.ops) > MaxNesting {
			return p.errAt(t.start, CodeStackDepth,
				"stack depth limit exceeded: the statement nests more than %d levels of parentheses, CASE or operators here", MaxNesting)
		}
		if top.tree.total(top.ops) > MaxOperatorDepth {
			return p.errAt(t.start, CodeStackDepth,
				"stack depth limit exceeded: the statement nests more than %d operators here, each AND and OR of a list counted", MaxOperatorDepth)
		}
	}
	return nil
}

// nestLevel is checkNesting's state for one open level: the operators of
// the current term, the kinds of list in the current segment, and the
// bounds of both measures.
type nestLevel struct {
	ops        int
	kinds      uint8
	flat, tree nestBound
}

// nestBound is one measure's upper bound of a level's depth so far, and
// of the enclosing levels' as a function of it: max(outC, outD + depth).
type nestBound struct {
	levelMax   int // the deepest ended segment
	lists      int // levels the current segment's lists add
	termMax    int // the deepest ended term of the current segment
	group      int // 1 + the deepest closed group in the current term
	outC, outD int
}

// depth bounds the level's depth, ops being its current term's operators.
func (b *nestBound) depth(ops int) int {
	return max(b.levelMax, b.lists+max(b.termMax, ops+b.group))
}

// total bounds the statement's depth through this level's current term.
func (b *nestBound) total(ops int) int { return max(b.outC, b.outD+b.depth(ops)) }

// inner returns the bound of a group opened in the current term.
func (b *nestBound) inner(ops int) nestBound {
	return nestBound{outC: max(b.outC, b.outD+b.depth(ops)), outD: b.outD + b.lists + ops + 1}
}

func (b *nestBound) endTerm(ops int) {
	b.termMax = max(b.termMax, ops+b.group)
	b.group = 0
}

func (b *nestBound) endSegment(ops int) {
	b.levelMax = b.depth(ops)
	b.lists, b.termMax, b.group = 0, 0, 0
}

func (l *nestLevel) open() nestLevel {
	return nestLevel{flat: l.flat.inner(l.ops), tree: l.tree.inner(l.ops)}
}

func (l *nestLevel) closed(flat, tree int) {
	l.flat.group = max(l.flat.group, 1+flat)
	l.tree.group = max(l.tree.group, 1+tree)
}

func (l *nestLevel) endTerm(kind uint8) {
	l.flat.endTerm(l.ops)
	l.tree.endTerm(l.ops)
	l.ops = 0
	l.kinds |= kind
	l.flat.lists = bits.OnesCount8(l.kinds)
	l.tree.lists++
}

func (l *nestLevel) endSegment() {
	l.flat.endSegment(l.ops)
	l.tree.endSegment(l.ops)
	l.ops, l.kinds = 0, 0
}

// isDistinctFromAt reports whether the FROM at toks[i] ends IS [NOT]
// DISTINCT FROM, an operator, not a clause.
func (p *parser) isDistinctFromAt(i int) bool {
	if i < 2 || !p.toks[i-1].is("DISTINCT") {
		return false
	}
	return p.toks[i-2].is("IS") || i >= 3 && p.toks[i-2].is("NOT") && p.toks[i-3].is("IS")
}
