package pgwire

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/sql"
)

// Running, describing and explaining a view read (view_read.go).

// wireErrors are the engine's errors that a view read reports over the
// wire in other words (docs/server.md, "Reading a view"), each recognized
// by its SQLSTATE and the start of its message. (A negative row count is
// the engine's own 2201W / 2201X, as in PostgreSQL.)
var wireErrors = []struct {
	code, prefix      string
	wireCode, wireMsg string
}{
	{codeFeatureNotSupported, "FETCH ... WITH TIES is not supported;", codeFeatureNotSupported,
		"FETCH ... WITH TIES is not supported; a view read supports FETCH FIRST n ROWS ONLY"},
}

// mapError maps the position of an engine error in the rewritten text to
// the original statement (plus base, the statement's offset in an
// enclosing one), and words it as wireErrors say.
func (vr *viewRead) mapError(err error, base int) error {
	if err == nil {
		return nil
	}
	var se *sql.Error
	if errors.As(err, &se) && se.At.Line > 0 {
		c := *se
		c.At.Offset = base + origOffset(vr.edits, se.At.Offset)
		for _, w := range wireErrors {
			if c.Code == w.code && strings.HasPrefix(c.Msg, w.prefix) {
				c.Code, c.Msg = w.wireCode, w.wireMsg
				break
			}
		}
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

// viewReadOf is planViewRead with the engine's relations.
func (c *conn) viewReadOf(ctx context.Context, stmt string) (*viewRead, bool, error) {
	if w := leadingWords(stmt, 1); len(w) == 0 || w[0] != "select" {
		return nil, false, nil
	}
	rels := c.relationsOf(ctx)
	if rels == nil {
		return nil, false, nil
	}
	return planViewRead(stmt, rels)
}

// startViewRead runs a view read.
func (c *conn) startViewRead(ctx context.Context, vr *viewRead) (Result, error) {
	res, err := c.srv.eng.Execute(ctx, c.sess, vr.text)
	return res, vr.mapError(err, 0)
}

// describeViewRead describes a view read.
func (c *conn) describeViewRead(ctx context.Context, vr *viewRead) ([]Column, error) {
	cols, err := c.srv.eng.Describe(ctx, c.sess, vr.text)
	return cols, vr.mapError(err, 0)
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
	vr, ok, err := c.viewReadOf(ctx, stmt[base:])
	if !ok {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, shiftError(err, base)
	}
	if _, err := c.srv.eng.Describe(ctx, c.sess, vr.text); err != nil {
		return nil, true, vr.mapError(err, base)
	}
	plan := &staticResult{cols: []Column{{Name: "QUERY PLAN", Type: catalog.Varchar}}, tag: "EXPLAIN"}
	if describeOnly {
		return plan, true, nil
	}
	lines, err := vr.plan()
	if err != nil {
		return nil, true, vr.mapError(err, base)
	}
	for _, line := range lines {
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

// squeeze collapses runs of white space to one space.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

// plan renders the read's steps, outermost first, each indented under the
// step it feeds: the row counts as weir's parser reads them, the other
// clauses as the client wrote them.
func (vr *viewRead) plan() ([]string, error) {
	stmts, err := sql.Parse(vr.text)
	if err != nil {
		return nil, err
	}
	sel, ok := stmts[0].(*sql.SelectStmt)
	if len(stmts) != 1 || !ok {
		return nil, errorf(codeInternal, "internal error: EXPLAIN of a view read is not one SELECT")
	}
	q := sel.Query
	// The clauses before the row counts end where the first of them starts.
	end := len(vr.stmt)
	for _, at := range []sql.Pos{q.LimitAt, q.OffsetAt} {
		if at.Line > 0 {
			end = min(end, origOffset(vr.edits, at.Offset))
		}
	}
	items, where, order := vr.clauses(end)
	var steps []string
	if q.Limit != nil || q.Offset != nil && *q.Offset > 0 {
		s := "Limit ALL"
		if q.Limit != nil {
			s = "Limit " + strconv.FormatInt(*q.Limit, 10)
		}
		if q.Offset != nil && *q.Offset > 0 {
			s += " offset " + strconv.FormatInt(*q.Offset, 10)
		}
		steps = append(steps, s)
	}
	if vr.distinct {
		steps = append(steps, "Unique")
	}
	if order != "" {
		steps = append(steps, "Sort "+order)
	}
	steps = append(steps, "Project "+items)
	if where != "" {
		steps = append(steps, "Filter "+where)
	}
	what := "materialized view"
	if vr.rel.Kind == RelSystemView {
		what = "system view"
	}
	steps = append(steps, "Read "+what+" "+vr.rel.Name+" (current rows)")
	for i := range steps {
		steps[i] = strings.Repeat("  ", i) + steps[i]
	}
	return steps, nil
}

// clauses are the select list, WHERE's condition and ORDER BY's keys as
// the client wrote them (white space squeezed), up to byte offset end of
// the statement.
func (vr *viewRead) clauses(end int) (items, where, order string) {
	toks := vr.toks
	stop := vr.end
	for stop > vr.fromAt && toks[stop-1].off >= end {
		stop--
	}
	items = squeeze(vr.stmt[toks[vr.firstAt].off:toks[vr.fromAt].off])
	depth := 0
	whereAt, orderAt := -1, -1
	for k := vr.fromAt + 1; k < stop; k++ {
		t := toks[k]
		switch {
		case isOpTok(t, "("):
			depth++
		case isOpTok(t, ")"):
			depth--
		case depth == 0 && whereAt < 0 && isKwTok(t, "where"):
			whereAt = k
		case depth == 0 && isKwTok(t, "order") && isKwTok(toks[k+1], "by"):
			orderAt = k
		}
	}
	if whereAt >= 0 {
		whereEnd := toks[stop].off
		if orderAt > whereAt {
			whereEnd = toks[orderAt].off
		}
		where = squeeze(vr.stmt[toks[whereAt+1].off:whereEnd])
	}
	if orderAt >= 0 {
		order = squeeze(vr.stmt[toks[orderAt+2].off:toks[stop].off])
	}
	return items, where, order
}
