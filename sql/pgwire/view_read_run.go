package pgwire

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/sql"
)

// Running, describing and explaining a view read (view_read.go).

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
