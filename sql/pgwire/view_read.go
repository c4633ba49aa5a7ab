package pgwire

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/weirdb/weir/catalog"
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
//   - EXPLAIN of such a read: its plan, rendered here.
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
	from := -1
	depth := 0
	for i, t := range toks[:end] {
		switch {
		case isOpTok(t, "("):
			depth++
		case isOpTok(t, ")"):
			depth--
		case depth == 0 && isKwTok(t, "union", "intersect", "except"):
			return nil, false, nil
		case depth == 0 && from < 0 && isKwTok(t, "from") && !(i > 0 && isKwTok(toks[i-1], "distinct")):
			from = i // (not x IS DISTINCT FROM y)
		}
	}
	if from < 0 {
		return nil, false, nil
	}
	var rws []rewrite
	j := from + 1
	if isName(toks[j]) && isOpTok(toks[j+1], ".") && isName(toks[j+2]) {
		if !strings.EqualFold(toks[j].s, "public") {
			return nil, false, nil
		}
		rws = append(rws, rewrite{start: toks[j].off, end: toks[j+2].off})
		j += 2
	}
	if !isName(toks[j]) || isOpTok(toks[j+1], "(") || isOpTok(toks[j+1], ".") {
		return nil, false, nil
	}
	rel := findRelation(rels, toks[j].s)
	if rel == nil || rel.Kind == RelSource {
		return nil, false, nil
	}
	relTok := j
	j++
	if isKwTok(toks[j], "as") {
		j++
	}
	if toks[j].kind == tkQIdent || toks[j].kind == tkIdent && !reservedAfterItem[toks[j].s] && !fromListEnds[toks[j].s] {
		j++ // an alias
	}
	if t := toks[j]; isOpTok(t, ",") || isKwTok(t, "join", "left", "right", "inner", "full", "cross", "natural") {
		return nil, false, nil
	}
	vr = &viewRead{rel: rel, limit: -1}

	// SELECT [DISTINCT | ALL]
	first := 1
	switch {
	case isKwTok(toks[1], "distinct"):
		if isKwTok(toks[2], "on") {
			return nil, true, posErrorf(toks[1].off, codeFeatureNotSupported, "SELECT DISTINCT ON is not supported; a view read supports SELECT DISTINCT")
		}
		vr.distinct = true
		rws = append(rws, rewrite{start: toks[1].off, end: toks[2].off})
		first = 2
	case isKwTok(toks[1], "all"):
		rws = append(rws, rewrite{start: toks[1].off, end: toks[2].off})
		first = 2
	}
	vr.items = squeeze(stmt[toks[first].off:toks[from].off])
	vr.itemExprs = itemExprs(toks[first:from])

	// The LIMIT / OFFSET / FETCH tail: the first top-level keyword from
	// which the rest parses as one (offset may also be a column's name).
	depth = 0
	for k := from + 1; k < end; k++ {
		t := toks[k]
		if isOpTok(t, "(") {
			depth++
		} else if isOpTok(t, ")") {
			depth--
		}
		if depth != 0 || !isKwTok(t, "limit", "offset", "fetch") {
			continue
		}
		limit, offset, parsed, err := parseTail(toks[k:end])
		if err != nil {
			return nil, true, err
		}
		if parsed {
			vr.limit, vr.offset = limit, offset
			rws = append(rws, rewrite{start: t.off, end: len(stmt)})
			end = k
			break
		}
	}

	// WHERE and ORDER BY, as written, for EXPLAIN and DISTINCT.
	depth = 0
	where, order := -1, -1
	for k := from + 1; k < end; k++ {
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
	clauseEnd := func(k int) int {
		if order > k {
			return toks[order].off
		}
		return toks[end].off
	}
	if where >= 0 {
		vr.where = squeeze(stmt[toks[where+1].off:clauseEnd(where)])
	}
	if order >= 0 {
		vr.order = squeeze(stmt[toks[order+2].off:toks[end].off])
		vr.orderKeys, vr.orderAt = orderKeys(toks[order+2 : end])
	}

	// The wall clock and bare keyword columns, up to the tail.
	cols := map[string]bool{}
	for _, c := range rel.Columns {
		cols[c.Name] = true
	}
	ts := "TIMESTAMP '" + now.UTC().Format("2006-01-02T15:04:05.000Z") + "'"
	for k := first; k < end; k++ {
		t := toks[k]
		if t.kind != tkIdent || k == relTok {
			continue
		}
		switch {
		case wallClockFuncs[t.s] && isOpTok(toks[k+1], "(") && isOpTok(toks[k+2], ")"):
			start := t.off
			if k >= 2 && isOpTok(toks[k-1], ".") && isKwTok(toks[k-2], "pg_catalog") {
				start = toks[k-2].off
			}
			rws = append(rws, rewrite{start: start, end: toks[k+2].off + 1, with: ts})
			k += 2
		case (t.s == "current_timestamp" || t.s == "localtimestamp") && !isOpTok(toks[k+1], "(") && !isOpTok(toks[k-1], "."):
			rws = append(rws, rewrite{start: t.off, end: t.off + len(t.s), with: ts})
		case cols[t.s] && !isOpTok(toks[k+1], "(") && toks[k+1].kind != tkStr &&
			!isOpTok(toks[k-1], "::") && !isKwTok(toks[k-1], "as") && !weirAcceptsBare(t.s):
			rws = append(rws, rewrite{start: t.off, end: t.off + len(t.s), with: `"` + t.s + `"`})
		}
	}
	if !force && len(rws) == 0 {
		return nil, false, nil
	}
	vr.text, vr.edits = applyRewrites(stmt, rws)
	return vr, true, nil
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

// parseTail parses LIMIT / OFFSET / FETCH clauses filling toks; parsed is
// false when toks are not such clauses.
func parseTail(toks []token) (limit, offset int64, parsed bool, err error) {
	limit = -1
	seenLimit, seenOffset := false, false
	for i := 0; i < len(toks); {
		t := toks[i]
		switch {
		case isKwTok(t, "limit"):
			if seenLimit {
				return 0, 0, true, posErrorf(t.off, codeSyntaxError, "multiple LIMIT clauses not allowed")
			}
			seenLimit = true
			if i+1 < len(toks) && isKwTok(toks[i+1], "all") {
				i += 2
				continue
			}
			n, null, k, ok := parseCount(toks, i+1)
			if !ok {
				return 0, 0, false, nil
			}
			if n < 0 {
				return 0, 0, true, posErrorf(toks[i+1].off, "2201W", "LIMIT must not be negative")
			}
			if !null {
				limit = n
			}
			i = k
		case isKwTok(t, "offset"):
			if seenOffset {
				return 0, 0, true, posErrorf(t.off, codeSyntaxError, "multiple OFFSET clauses not allowed")
			}
			seenOffset = true
			n, _, k, ok := parseCount(toks, i+1)
			if !ok {
				return 0, 0, false, nil
			}
			if n < 0 {
				return 0, 0, true, posErrorf(toks[i+1].off, "2201X", "OFFSET must not be negative")
			}
			offset = n
			i = k
			if i < len(toks) && isKwTok(toks[i], "row", "rows") {
				i++
			}
		case isKwTok(t, "fetch"):
			if seenLimit {
				return 0, 0, true, posErrorf(t.off, codeSyntaxError, "multiple LIMIT clauses not allowed")
			}
			seenLimit = true
			i++
			if i >= len(toks) || !isKwTok(toks[i], "first", "next") {
				return 0, 0, false, nil
			}
			i++
			n := int64(1)
			if i < len(toks) && !isKwTok(toks[i], "row", "rows") {
				c, null, k, ok := parseCount(toks, i)
				if !ok {
					return 0, 0, false, nil
				}
				if c < 0 {
					return 0, 0, true, posErrorf(toks[i].off, "2201W", "FETCH FIRST count must not be negative")
				}
				n, i = c, k
				if null {
					n = -1
				}
			}
			if i >= len(toks) || !isKwTok(toks[i], "row", "rows") {
				return 0, 0, false, nil
			}
			i++
			if i < len(toks) && isKwTok(toks[i], "with") {
				return 0, 0, true, posErrorf(toks[i].off, codeFeatureNotSupported, "FETCH ... WITH TIES is not supported; a view read supports FETCH FIRST n ROWS ONLY")
			}
			if i >= len(toks) || !isKwTok(toks[i], "only") {
				return 0, 0, false, nil
			}
			i++
			limit = n
		default:
			return 0, 0, false, nil
		}
	}
	return limit, offset, true, nil
}

// parseCount reads a row count at toks[i]: an integer, a quoted integer,
// NULL, or one of these in parentheses, optionally negative. It returns the
// count, whether it is NULL and the index after it.
func parseCount(toks []token, i int) (n int64, null bool, next int, ok bool) {
	if i >= len(toks) {
		return 0, false, 0, false
	}
	t := toks[i]
	switch {
	case isOpTok(t, "("):
		n, null, k, ok := parseCount(toks, i+1)
		if !ok || k >= len(toks) || !isOpTok(toks[k], ")") {
			return 0, false, 0, false
		}
		return n, null, k + 1, true
	case isOpTok(t, "-"):
		n, null, k, ok := parseCount(toks, i+1)
		return -n, null, k, ok && !null && i+1 < len(toks) && toks[i+1].kind == tkNum
	case isKwTok(t, "null"):
		return 0, true, i + 1, true
	case t.kind == tkNum:
		v, err := strconv.ParseInt(t.s, 10, 64)
		return v, false, i + 1, err == nil
	case t.kind == tkStr:
		v, err := strconv.ParseInt(strings.TrimSpace(t.s), 10, 64)
		return v, false, i + 1, err == nil
	}
	return 0, false, 0, false
}

// squeeze collapses runs of white space to one space.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

// splitTop splits toks at top-level commas.
func splitTop(toks []token) [][]token {
	var out [][]token
	depth, start := 0, 0
	for i, t := range toks {
		switch {
		case isOpTok(t, "("):
			depth++
		case isOpTok(t, ")"):
			depth--
		case depth == 0 && isOpTok(t, ","):
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	return append(out, toks[start:])
}

// tokText is the text of toks, normalized: lower case outside quotes, one
// space between tokens.
func tokText(toks []token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		switch t.kind {
		case tkQIdent:
			parts[i] = strings.ToLower(t.s)
		case tkStr:
			parts[i] = "'" + t.s + "'"
		default:
			parts[i] = t.s
		}
	}
	return strings.Join(parts, " ")
}

// itemExprs are the SELECT list's expressions (without aliases),
// normalized.
func itemExprs(toks []token) []string {
	var out []string
	for _, it := range splitTop(toks) {
		n := len(it)
		if n >= 2 && isKwTok(it[n-2], "as") {
			n -= 2
		} else if n >= 2 && isName(it[n-1]) && !isOpTok(it[n-2], ".") && !isOpTok(it[n-2], "::") {
			n-- // a bare alias
		}
		out = append(out, tokText(it[:n]))
		if n < len(it) {
			out = append(out, tokText(it[len(it)-1:])) // the alias names the column too
		}
	}
	return out
}

// orderKeys are ORDER BY's expressions (without ASC/DESC/NULLS),
// normalized, and their offsets.
func orderKeys(toks []token) ([]string, []int) {
	var keys []string
	var at []int
	for _, k := range splitTop(toks) {
		n := len(k)
		for n > 0 && isKwTok(k[n-1], "asc", "desc", "first", "last", "nulls") {
			n--
		}
		if n == 0 {
			continue
		}
		keys = append(keys, tokText(k[:n]))
		at = append(at, k[0].off)
	}
	return keys, at
}

// checkDistinctOrder refuses, as PostgreSQL does (42P10), ORDER BY keys of
// a SELECT DISTINCT that are not in its select list: a position, an output
// column's name or one of the list's expressions.
func (vr *viewRead) checkDistinctOrder(cols []Column) error {
	if !vr.distinct {
		return nil
	}
	for i, k := range vr.orderKeys {
		if _, err := strconv.Atoi(k); err == nil {
			continue
		}
		ok := false
		for _, c := range cols {
			if strings.EqualFold(c.Name, k) {
				ok = true
			}
		}
		for _, e := range vr.itemExprs {
			if e == k || e == "*" && vr.rel.hasColumn(k) {
				ok = true
			}
		}
		if !ok {
			return posErrorf(vr.orderAt[i], codeInvalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
		}
	}
	return nil
}

func (r *Relation) hasColumn(name string) bool {
	for _, c := range r.Columns {
		if strings.EqualFold(c.Name, name) {
			return true
		}
	}
	return false
}

// mapError maps the position of an engine error in the rewritten text to
// the original statement (plus base, the statement's offset in an
// enclosing one).
func (vr *viewRead) mapError(err error, base int) error {
	if err == nil {
		return nil
	}
	var se *sql.Error
	if errors.As(err, &se) && se.At.Line > 0 {
		c := *se
		c.At.Offset = base + origOffset(vr.edits, se.At.Offset)
		return &c
	}
	var pe *Error
	if errors.As(err, &pe) && pe.at > 0 {
		c := *pe
		c.at = base + origOffset(vr.edits, pe.at-1) + 1
		return &c
	}
	return err
}

// viewReadOf is planViewRead with the engine's relations and the
// statement's time.
func (c *conn) viewReadOf(ctx context.Context, stmt string, force bool) (*viewRead, bool, error) {
	if w := leadingWords(stmt, 1); len(w) == 0 || w[0] != "select" {
		return nil, false, nil
	}
	rels := c.relationsOf(ctx)
	if rels == nil {
		return nil, false, nil
	}
	return planViewRead(stmt, rels, time.Now(), force)
}

// startViewRead runs a rewritten view read.
func (c *conn) startViewRead(ctx context.Context, vr *viewRead) (Result, error) {
	res, err := c.srv.eng.Execute(ctx, c.sess, vr.text)
	if err != nil {
		return nil, vr.mapError(err, 0)
	}
	if err := vr.checkDistinctOrder(res.Columns()); err != nil {
		closeResult(res)
		return nil, err
	}
	if !vr.distinct && vr.limit < 0 && vr.offset == 0 {
		return res, nil
	}
	r := &viewReadResult{Result: res, skip: vr.offset, left: vr.limit}
	if vr.distinct {
		r.seen = map[string]struct{}{}
	}
	return r, nil
}

// describeViewRead describes a rewritten view read.
func (c *conn) describeViewRead(ctx context.Context, vr *viewRead) ([]Column, error) {
	cols, err := c.srv.eng.Describe(ctx, c.sess, vr.text)
	if err != nil {
		return nil, vr.mapError(err, 0)
	}
	return cols, vr.checkDistinctOrder(cols)
}

// viewReadResult deduplicates, skips and limits an engine's rows.
type viewReadResult struct {
	Result
	seen map[string]struct{} // nil: not DISTINCT
	skip int64
	left int64 // -1: no limit
	key  []byte
}

func (r *viewReadResult) Next(ctx context.Context) (Row, bool, error) {
	for {
		if r.left == 0 {
			return nil, false, nil
		}
		row, ok, err := r.Result.Next(ctx)
		if !ok || err != nil {
			return row, ok, err
		}
		if r.seen != nil {
			r.key = appendRowKey(r.key[:0], row)
			if _, dup := r.seen[string(r.key)]; dup {
				continue
			}
			r.seen[string(r.key)] = struct{}{}
		}
		if r.skip > 0 {
			r.skip--
			continue
		}
		if r.left > 0 {
			r.left--
		}
		return row, true, nil
	}
}

// appendRowKey encodes a row so that rows equal in every column (NULL
// equal to NULL, as DISTINCT compares) have the same key.
func appendRowKey(dst []byte, row Row) []byte {
	for _, v := range row {
		if v.Null {
			dst = append(dst, 0)
			continue
		}
		dst = append(dst, 1)
		dst = binary.AppendVarint(dst, v.I)
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v.F))
		dst = binary.AppendUvarint(dst, uint64(len(v.S)))
		dst = append(dst, v.S...)
		if v.B {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
	}
	return dst
}

// explainViewRead answers EXPLAIN of a view read: the read is checked by
// the engine (an unknown column fails as it would), then its plan is
// rendered from the bottom (the view's rows) up, as EXPLAIN's lines.
func (c *conn) explainViewRead(ctx context.Context, stmt string, describeOnly bool) (res Result, handled bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, handled, err = nil, true, errorf(codeInternal, "internal error: %v", p)
		}
	}()
	toks, ok := lex(stmt)
	if !ok || len(toks) < 2 || !isKwTok(toks[0], "explain") {
		return nil, false, nil
	}
	i := 1
	if isOpTok(toks[i], "(") {
		p := &parser{toks: toks, i: i, ok: true}
		if !p.skipParens() {
			return nil, false, nil
		}
		i = p.i
	}
	for isKwTok(toks[i], "analyze", "analyse", "verbose") {
		i++
	}
	if !isKwTok(toks[i], "select") {
		return nil, false, nil
	}
	base := toks[i].off
	vr, ok, err := c.viewReadOf(ctx, stmt[base:], true)
	if !ok {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, shiftError(err, base)
	}
	cols, err := c.srv.eng.Describe(ctx, c.sess, vr.text)
	if err != nil {
		return nil, true, vr.mapError(err, base)
	}
	if err := vr.checkDistinctOrder(cols); err != nil {
		return nil, true, shiftError(err, base)
	}
	plan := &staticResult{cols: []Column{{Name: "QUERY PLAN", Type: catalog.Varchar}}, tag: "EXPLAIN"}
	if describeOnly {
		return plan, true, nil
	}
	for _, line := range vr.plan() {
		plan.rows = append(plan.rows, Row{{S: line}})
	}
	return plan, true, nil
}

// shiftError moves a pgwire error's position by base.
func shiftError(err error, base int) error {
	var pe *Error
	if errors.As(err, &pe) && pe.at > 0 {
		c := *pe
		c.at += base
		return &c
	}
	return err
}

// plan renders the read's steps, outermost first, each indented under the
// step it feeds.
func (vr *viewRead) plan() []string {
	var steps []string
	if vr.limit >= 0 || vr.offset > 0 {
		s := "Limit"
		if vr.limit >= 0 {
			s += " " + strconv.FormatInt(vr.limit, 10)
		} else {
			s += " ALL"
		}
		if vr.offset > 0 {
			s += " offset " + strconv.FormatInt(vr.offset, 10)
		}
		steps = append(steps, s)
	}
	if vr.distinct {
		steps = append(steps, "Unique")
	}
	if vr.order != "" {
		steps = append(steps, "Sort "+vr.order)
	}
	steps = append(steps, "Project "+vr.items)
	if vr.where != "" {
		steps = append(steps, "Filter "+vr.where)
	}
	what := "materialized view"
	if vr.rel.Kind == RelSystemView {
		what = "system view"
	}
	steps = append(steps, "Read "+what+" "+vr.rel.Name+" (current rows)")
	for i := range steps {
		steps[i] = strings.Repeat("  ", i) + steps[i]
	}
	return steps
}
