package pgwire

import (
	"slices"
	"strings"
)

// This file reads views the way PostgreSQL clients write the query. A
// SELECT whose FROM names one materialized view or system view (a bounded
// read of its current rows) goes to the engine as written: the engine
// itself reads public.v, SELECT DISTINCT, LIMIT ALL / NULL / 'n' / (n),
// OFFSET, FETCH FIRST, now() and the other wall-clock functions as the
// statement's start time, and column names such as partition written bare
// (runtime/view_select.go, sql/select_tail.go, sql/keywords.go), with the
// same rows and errors. pgwire does only what the engine does not:
//
//   - an aggregate, GROUP BY or HAVING: refused (0A000) before the engine
//     (view_read_agg.go), also for PostgreSQL's aggregates weir lacks;
//   - DISTINCT ON: refused (0A000) at DISTINCT, in the wire's words;
//   - pg_catalog.now() and a wall-clock call written with space before or
//     inside its parentheses (now ( )), which weir's parser does not read:
//     rewritten to now() for the engine, error positions mapped back;
//   - FETCH ... WITH TIES in the wire's words (wireErrors);
//   - EXPLAIN of such a read: its plan, rendered here (view_read_run.go).

// viewRead is a SELECT over a view as the engine gets it.
type viewRead struct {
	text     string // the statement for the engine
	edits    []edit // maps offsets in text to the original statement
	distinct bool   // SELECT DISTINCT, for EXPLAIN
	rel      *Relation
	// The client's statement and its tokens (padded with EOF tokens after
	// the first, toks[end]), for EXPLAIN: the select list
	// starts at toks[firstAt], FROM is toks[fromAt].
	stmt                 string
	toks                 []token
	end, firstAt, fromAt int
}

// rewrite is one replacement of the original text.
type rewrite struct {
	start, end int
	with       string
}

// wallClockCalls are the wall-clock functions called with parentheses;
// the engine reads them as the statement's start time when they are
// written name() (also current_timestamp and localtimestamp, bare), but
// not qualified (pg_catalog.now()) nor with space in the call (now ( )).
var wallClockCalls = map[string]bool{
	"now": true, "transaction_timestamp": true, "statement_timestamp": true, "clock_timestamp": true,
}

// planViewRead recognizes a read of a view; ok is false for any other
// statement, which goes to the engine as it is. err is a refusal of the
// read (an aggregate, DISTINCT ON).
func planViewRead(stmt string, rels []Relation) (vr *viewRead, ok bool, err error) {
	toks, lexed := lex(stmt)
	if !lexed || len(toks) < 4 || !isKwTok(toks[0], "select") {
		return nil, false, nil
	}
	// Padded with EOF tokens, so that looking a few tokens ahead needs no
	// bounds checks; end is the first EOF.
	end := len(toks) - 1
	toks = append(toks, toks[end], toks[end], toks[end])
	p := &viewReadPlanner{stmt: stmt, toks: toks, end: end}
	if !p.from(rels) {
		return nil, false, nil
	}
	if err := p.head(); err != nil {
		return nil, true, err
	}
	if err := p.aggregates(); err != nil {
		return nil, true, err
	}
	p.wallClock()
	p.vr.text, p.vr.edits = applyRewrites(stmt, p.rws)
	p.vr.stmt, p.vr.toks, p.vr.end, p.vr.firstAt, p.vr.fromAt = stmt, toks, end, p.firstAt, p.fromAt
	return p.vr, true, nil
}

// viewReadPlanner holds planViewRead's state: the statement's tokens (end
// is the first EOF), the rewrites found so far and the read.
type viewReadPlanner struct {
	stmt    string
	toks    []token
	end     int
	fromAt  int // the FROM keyword
	firstAt int // the first select item
	rws     []rewrite
	vr      *viewRead
}

// from finds the top-level FROM and the one view it reads (also as
// public.v); false for anything else (no FROM, a source, a join, a set
// operation, another schema).
func (p *viewReadPlanner) from(rels []Relation) bool {
	toks := p.toks
	p.fromAt = -1
	depth := 0
	for i, t := range toks[:p.end] {
		switch {
		case isOpTok(t, "("):
			depth++
		case isOpTok(t, ")"):
			depth--
		case depth == 0 && isKwTok(t, "union", "intersect", "except"):
			return false
		case depth == 0 && p.fromAt < 0 && isKwTok(t, "from") && !(i > 0 && isKwTok(toks[i-1], "distinct")):
			p.fromAt = i // (not x IS DISTINCT FROM y)
		}
	}
	if p.fromAt < 0 {
		return false
	}
	j := p.fromAt + 1
	if isName(toks[j]) && isOpTok(toks[j+1], ".") && isName(toks[j+2]) {
		if !strings.EqualFold(toks[j].s, "public") {
			return false
		}
		j += 2
	}
	if !isName(toks[j]) || isOpTok(toks[j+1], "(") || isOpTok(toks[j+1], ".") {
		return false
	}
	rel := findRelation(rels, toks[j].s)
	if rel == nil || rel.Kind == RelSource || rel.Kind == RelPlainView {
		return false // a continuous query, not a read of stored rows
	}
	j++
	if isKwTok(toks[j], "as") {
		j++
	}
	if toks[j].kind == tkQIdent || toks[j].kind == tkIdent && !reservedAfterItem[toks[j].s] && !fromListEnds[toks[j].s] {
		j++ // an alias
	}
	if t := toks[j]; isOpTok(t, ",") || isKwTok(t, "join", "left", "right", "inner", "full", "cross", "natural") {
		return false
	}
	p.vr = &viewRead{rel: rel}
	return true
}

// head reads SELECT [DISTINCT | ALL], refusing DISTINCT ON.
func (p *viewReadPlanner) head() error {
	toks := p.toks
	p.firstAt = 1
	switch {
	case isKwTok(toks[1], "distinct"):
		if isKwTok(toks[2], "on") {
			return posErrorf(toks[1].off, codeFeatureNotSupported, "SELECT DISTINCT ON is not supported; a view read supports SELECT DISTINCT")
		}
		p.vr.distinct = true
		p.firstAt = 2
	case isKwTok(toks[1], "all"):
		p.firstAt = 2
	}
	return nil
}

// wallClock rewrites the wall-clock calls weir's parser does not read
// (pg_catalog.now(), now ( )) to name(), which the engine evaluates.
func (p *viewReadPlanner) wallClock() {
	toks := p.toks
	for k := p.firstAt; k < p.end; k++ {
		t := toks[k]
		if t.kind != tkIdent || !wallClockCalls[t.s] || !isOpTok(toks[k+1], "(") || !isOpTok(toks[k+2], ")") {
			continue
		}
		start, end := t.off, toks[k+2].off+1
		if isOpTok(toks[k-1], ".") {
			if !isKwTok(toks[k-2], "pg_catalog") {
				continue // another schema's function: the engine's error
			}
			start = toks[k-2].off
		}
		if !strings.EqualFold(p.stmt[start:end], t.s+"()") {
			p.rws = append(p.rws, rewrite{start: start, end: end, with: t.s + "()"})
		}
		k += 2
	}
}

// applyRewrites makes the replacements (not overlapping) and
// returns the new text and its edits.
func applyRewrites(stmt string, rws []rewrite) (string, []edit) {
	if len(rws) == 0 {
		return stmt, nil
	}
	slices.SortFunc(rws, func(a, b rewrite) int { return a.start - b.start })
	var b strings.Builder
	var edits []edit
	last := 0
	for _, r := range rws {
		if r.start < last {
			continue
		}
		b.WriteString(stmt[last:r.start])
		start := b.Len()
		b.WriteString(r.with)
		edits = append(edits, edit{OldStart: r.start, OldEnd: r.end, NewStart: start, NewEnd: b.Len()})
		last = r.end
	}
	b.WriteString(stmt[last:])
	return b.String(), edits
}
