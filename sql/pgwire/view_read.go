package pgwire

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/weirdb/weir/sql"
)

// This file reads views the way PostgreSQL clients write the query. A
// SELECT whose FROM names one materialized view or system view (a bounded
// read of its current rows) may use what weir's SQL does not say; pgwire
// rewrites the statement for the engine and does the rest on its rows:
//
//   - a schema: public.v and "public"."v" read v;
//   - SELECT DISTINCT: the engine's rows (sorted by ORDER BY) are
//     deduplicated here, the first of equal rows keeping its place;
//     DISTINCT ON is refused (0A000);
//   - LIMIT n, LIMIT ALL, LIMIT NULL, OFFSET n [ROW|ROWS], FETCH
//     {FIRST|NEXT} [n] {ROW|ROWS} ONLY, in any order, where n is an
//     integer, a quoted integer ('2') or either in parentheses: applied
//     here after DISTINCT; a negative count is 2201W / 2201X;
//   - now(), current_timestamp, localtimestamp, transaction_timestamp(),
//     statement_timestamp(), clock_timestamp(): the statement's start time,
//     as a TIMESTAMP literal (the engine refuses the wall clock in
//     continuous queries, where it would break replay; a read of current
//     rows has no replay);
//   - a column whose name is a keyword of weir's parser (partition, range,
//     key, ...) written bare: it is quoted for the engine;
//   - EXPLAIN of such a read: its plan, rendered here;
//   - an aggregate, GROUP BY or HAVING: refused (0A000, not supported yet;
//     view_read_agg.go).
//
// Error positions the engine reports in the rewritten text are mapped back
// to the client's.

// viewRead is a SELECT over a view as the engine runs it and what pgwire
// does on its rows.
type viewRead struct {
	text     string // the statement for the engine
	edits    []edit // maps offsets in text to the original statement
	distinct bool
	limit    int64 // -1: none
	offset   int64
	rel      *Relation
	// Clauses as the client wrote them, for EXPLAIN.
	items, where, order string
	orderKeys           []string // ORDER BY's keys, for DISTINCT's check
	orderAt             []int    // their offsets
	itemExprs           []string // the SELECT list's expressions, normalized
}

// rewrite is one replacement of the original text.
type rewrite struct {
	start, end int
	with       string
}

// wallClockFuncs are the functions that read the statement's time.
var wallClockFuncs = map[string]bool{
	"now": true, "transaction_timestamp": true, "statement_timestamp": true, "clock_timestamp": true,
}

// planViewRead recognizes a read of a view and plans its rewrite; ok is
// false for any other statement (which goes to the engine as it is) and
// for a read that needs no rewrite unless force is set.
func planViewRead(stmt string, rels []Relation, now time.Time, force bool) (vr *viewRead, ok bool, err error) {
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
	if err := p.tail(); err != nil {
		return nil, true, err
	}
	p.clauses()
	p.wallClockAndColumns(now)
	if !force && len(p.rws) == 0 {
		return nil, false, nil
	}
	p.vr.text, p.vr.edits = applyRewrites(stmt, p.rws)
	return p.vr, true, nil
}

// viewReadPlanner holds planViewRead's state: the statement's tokens (end
// is where the clauses before LIMIT / OFFSET / FETCH end), the rewrites
// found so far and the read.
type viewReadPlanner struct {
	stmt    string
	toks    []token
	end     int
	fromAt  int // the FROM keyword
	relAt   int // the view's name
	firstAt int // the first select item
	rws     []rewrite
	vr      *viewRead
}

// from finds the top-level FROM and the one view it reads, dropping a
// public. schema; false for anything else (no FROM, a source, a join, a
// set operation, another schema).
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
		p.rws = append(p.rws, rewrite{start: toks[j].off, end: toks[j+2].off})
		j += 2
	}
	if !isName(toks[j]) || isOpTok(toks[j+1], "(") || isOpTok(toks[j+1], ".") {
		return false
	}
	rel := findRelation(rels, toks[j].s)
	if rel == nil || rel.Kind == RelSource || rel.Kind == RelPlainView {
		return false // a continuous query, not a read of stored rows
	}
	p.relAt = j
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
	p.vr = &viewRead{rel: rel, limit: -1}
	return true
}

// head reads SELECT [DISTINCT | ALL] and the select list.
func (p *viewReadPlanner) head() error {
	toks := p.toks
	p.firstAt = 1
	switch {
	case isKwTok(toks[1], "distinct"):
		if isKwTok(toks[2], "on") {
			return posErrorf(toks[1].off, codeFeatureNotSupported, "SELECT DISTINCT ON is not supported; a view read supports SELECT DISTINCT")
		}
		p.vr.distinct = true
		p.rws = append(p.rws, rewrite{start: toks[1].off, end: toks[2].off})
		p.firstAt = 2
	case isKwTok(toks[1], "all"):
		p.rws = append(p.rws, rewrite{start: toks[1].off, end: toks[2].off})
		p.firstAt = 2
	}
	p.vr.items = squeeze(p.stmt[toks[p.firstAt].off:toks[p.fromAt].off])
	p.vr.itemExprs = itemExprs(toks[p.firstAt:p.fromAt])
	return nil
}

// tail finds the LIMIT / OFFSET / FETCH clauses: from the first top-level
// keyword from which the rest parses as them (offset may also be a
// column's name), to the end, which is removed for the engine.
func (p *viewReadPlanner) tail() error {
	depth := 0
	for k := p.fromAt + 1; k < p.end; k++ {
		t := p.toks[k]
		if isOpTok(t, "(") {
			depth++
		} else if isOpTok(t, ")") {
			depth--
		}
		if depth != 0 || !isKwTok(t, "limit", "offset", "fetch") {
			continue
		}
		limit, offset, parsed, err := parseTail(p.toks[k:p.end])
		if err != nil {
			return err
		}
		if parsed {
			p.vr.limit, p.vr.offset = limit, offset
			p.rws = append(p.rws, rewrite{start: t.off, end: len(p.stmt)})
			p.end = k
			return nil
		}
	}
	return nil
}

// clauses keeps WHERE and ORDER BY as written, for EXPLAIN and DISTINCT.
func (p *viewReadPlanner) clauses() {
	toks, end := p.toks, p.end
	depth := 0
	where, order := -1, -1
	for k := p.fromAt + 1; k < end; k++ {
		t := toks[k]
		switch {
		case isOpTok(t, "("):
			depth++
		case isOpTok(t, ")"):
			depth--
		case depth == 0 && where < 0 && isKwTok(t, "where"):
			where = k
		case depth == 0 && isKwTok(t, "order") && isKwTok(toks[k+1], "by"):
			order = k
		}
	}
	if where >= 0 {
		whereEnd := toks[end].off
		if order > where {
			whereEnd = toks[order].off
		}
		p.vr.where = squeeze(p.stmt[toks[where+1].off:whereEnd])
	}
	if order >= 0 {
		p.vr.order = squeeze(p.stmt[toks[order+2].off:toks[end].off])
		p.vr.orderKeys, p.vr.orderAt = orderKeys(toks[order+2 : end])
	}
}

// wallClockAndColumns replaces the wall-clock functions by the statement's
// time and quotes the view's columns weir's parser does not read bare.
func (p *viewReadPlanner) wallClockAndColumns(now time.Time) {
	toks := p.toks
	cols := map[string]bool{}
	for _, c := range p.vr.rel.Columns {
		cols[c.Name] = true
	}
	ts := "TIMESTAMP '" + now.UTC().Format("2006-01-02T15:04:05.000Z") + "'"
	for k := p.firstAt; k < p.end; k++ {
		t := toks[k]
		if t.kind != tkIdent || k == p.relAt {
			continue
		}
		switch {
		case wallClockFuncs[t.s] && isOpTok(toks[k+1], "(") && isOpTok(toks[k+2], ")"):
			start := t.off
			if k >= 2 && isOpTok(toks[k-1], ".") && isKwTok(toks[k-2], "pg_catalog") {
				start = toks[k-2].off
			}
			p.rws = append(p.rws, rewrite{start: start, end: toks[k+2].off + 1, with: ts})
			k += 2
		case (t.s == "current_timestamp" || t.s == "localtimestamp") && !isOpTok(toks[k+1], "(") && !isOpTok(toks[k-1], "."):
			p.rws = append(p.rws, rewrite{start: t.off, end: t.off + len(t.s), with: ts})
		case cols[t.s] && !isOpTok(toks[k+1], "(") && toks[k+1].kind != tkStr &&
			!isOpTok(toks[k-1], "::") && !isKwTok(toks[k-1], "as") && !weirAcceptsBare(t.s):
			p.rws = append(p.rws, rewrite{start: t.off, end: t.off + len(t.s), with: `"` + t.s + `"`})
		}
	}
}

// bareOK caches weirAcceptsBare by name.
var bareOK sync.Map

// weirAcceptsBare reports whether weir's parser reads name as a column
// when it is not quoted (partition, range, key, ... it does not).
func weirAcceptsBare(name string) bool {
	if ok, found := bareOK.Load(name); found {
		return ok.(bool)
	}
	stmts, err := sql.Parse("SELECT " + name + " FROM t")
	ok := err == nil && len(stmts) == 1
	bareOK.Store(name, ok)
	return ok
}

// applyRewrites makes the replacements (not overlapping) and
// returns the new text and its edits.
func applyRewrites(stmt string, rws []rewrite) (string, []edit) {
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
	return strings.TrimRight(b.String(), " \t\r\n"), edits
}
