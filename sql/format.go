package sql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	tidb "github.com/pingcap/tidb/pkg/parser"
)

// Format prints a statement, query, FROM item, expression or interval in
// weir's canonical SQL, on one line. Parse(Format(stmt)) gives back stmt
// (positions and statement text aside).
func Format(n any) string {
	var f formatter
	f.node(n)
	return f.String()
}

// formatter accumulates canonical SQL.
type formatter struct{ strings.Builder }

func (f *formatter) node(n any) {
	switch n := n.(type) {
	case Statement:
		f.statement(n)
	case *Query:
		f.query(n)
	case *Select:
		f.selectBlock(n)
	case FromItem:
		f.fromItem(n)
	case Expr:
		f.expr(n, 0)
	case Interval:
		f.interval(n.Ms)
	case *Interval:
		f.interval(n.Ms)
	case *Emit:
		f.emit(n)
	default:
		fmt.Fprintf(f, "<unformattable %T>", n)
	}
}

func (f *formatter) statement(s Statement) {
	switch s := s.(type) {
	case *CreateSource:
		f.WriteString("CREATE SOURCE ")
		if s.IfNotExists {
			f.WriteString("IF NOT EXISTS ")
		}
		f.ident(s.Name)
		if len(s.Columns) > 0 || s.Watermark != nil {
			f.WriteString(" (")
			for i, c := range s.Columns {
				if i > 0 {
					f.WriteString(", ")
				}
				f.ident(c.Name)
				f.WriteString(" " + c.Type.String())
			}
			if w := s.Watermark; w != nil {
				if len(s.Columns) > 0 {
					f.WriteString(", ")
				}
				f.WriteString("WATERMARK FOR ")
				f.ident(w.Column)
				f.WriteString(" AS ")
				f.ident(w.Column)
				if w.Delay.Ms != 0 {
					f.WriteString(" - ")
					f.interval(w.Delay.Ms)
				}
			}
			f.WriteString(")")
		}
		f.options(s.Options)
	case *CreateView:
		f.WriteString("CREATE ")
		if s.Materialized {
			f.WriteString("MATERIALIZED ")
		}
		f.WriteString("VIEW ")
		f.ident(s.Name)
		f.WriteString(" AS ")
		f.query(s.Query)
	case *CreateSink:
		f.WriteString("CREATE SINK ")
		f.ident(s.Name)
		if s.Query != nil {
			f.WriteString(" AS ")
			f.query(s.Query)
		} else {
			f.WriteString(" FROM ")
			f.ident(s.From)
		}
		if len(s.Options) == 0 {
			f.WriteString(" WITH ()")
		}
		f.options(s.Options)
	case *Drop:
		f.WriteString("DROP " + string(s.Kind) + " ")
		if s.IfExists {
			f.WriteString("IF EXISTS ")
		}
		f.ident(s.Name)
	case *Show:
		f.WriteString("SHOW ")
		f.WriteString(s.What)
	case *Describe:
		f.WriteString("DESCRIBE ")
		f.ident(s.Name)
	case *Explain:
		f.WriteString("EXPLAIN ")
		f.query(s.Query)
	case *Subscribe:
		f.WriteString("SUBSCRIBE TO ")
		f.ident(s.View)
	case *Set:
		f.WriteString("SET ")
		if s.Name == "timezone" {
			f.WriteString("TIME ZONE ")
		} else {
			f.dotted(s.Name)
			f.WriteString(" = ")
		}
		f.str(s.Value)
	case *SelectStmt:
		f.query(s.Query)
	default:
		fmt.Fprintf(f, "<unformattable %T>", s)
	}
}

// options prints WITH (k = 'v', ...) when there are options.
func (f *formatter) options(opts []Option) {
	if len(opts) == 0 {
		return
	}
	f.WriteString(" WITH (")
	for i, o := range opts {
		if i > 0 {
			f.WriteString(", ")
		}
		if isPlainDotted(o.Key) {
			f.WriteString(o.Key)
		} else {
			f.str(o.Key)
		}
		f.WriteString(" = ")
		f.str(o.Value)
	}
	f.WriteString(")")
}

func (f *formatter) query(q *Query) {
	for i, s := range q.Selects {
		if i > 0 {
			f.WriteString(" UNION ALL ")
		}
		f.selectBlock(s)
	}
	for i, o := range q.OrderBy {
		if i == 0 {
			f.WriteString(" ORDER BY ")
		} else {
			f.WriteString(", ")
		}
		f.expr(o.Expr, 0)
		if o.Desc {
			f.WriteString(" DESC")
		}
	}
	if q.Limit != nil {
		f.WriteString(" LIMIT " + strconv.FormatInt(*q.Limit, 10))
	}
	if q.Offset != nil {
		f.WriteString(" OFFSET " + strconv.FormatInt(*q.Offset, 10))
	}
	if q.Emit != nil {
		f.WriteString(" ")
		f.emit(q.Emit)
	}
}

func (f *formatter) selectBlock(s *Select) {
	f.WriteString("SELECT ")
	if s.Distinct {
		f.WriteString("DISTINCT ")
	}
	for i, it := range s.Items {
		if i > 0 {
			f.WriteString(", ")
		}
		if it.Star {
			f.WriteString("*")
			continue
		}
		f.expr(it.Expr, 0)
		if it.Alias != "" {
			f.WriteString(" AS ")
			f.alias(it.Alias)
		}
	}
	if s.From != nil {
		f.WriteString(" FROM ")
		f.fromItem(s.From)
	}
	if s.Where != nil {
		f.WriteString(" WHERE ")
		f.expr(s.Where, 0)
	}
	for i, g := range s.GroupBy {
		if i == 0 {
			f.WriteString(" GROUP BY ")
		} else {
			f.WriteString(", ")
		}
		f.expr(g, 0)
	}
	if s.Having != nil {
		f.WriteString(" HAVING ")
		f.expr(s.Having, 0)
	}
}

func (f *formatter) fromItem(n FromItem) {
	alias := ""
	switch n := n.(type) {
	case *TableRef:
		if n.Schema != "" {
			f.ident(n.Schema)
			f.WriteString(".")
		}
		f.ident(n.Name)
		alias = n.Alias
	case *Subquery:
		f.WriteString("(")
		f.query(n.Query)
		f.WriteString(")")
		alias = n.Alias
	case *WindowTVF:
		f.WriteString(string(n.Kind) + "(")
		f.fromItem(n.Input)
		f.partitionBy(n.PartitionBy)
		f.WriteString(", ")
		f.ident(n.TimeCol)
		var ivs []*Interval
		switch n.Kind {
		case Tumble:
			ivs = []*Interval{n.Size, n.Offset}
		case Hop:
			ivs = []*Interval{n.Slide, n.Size}
		case Cumulate:
			ivs = []*Interval{n.Step, n.Size}
		case Session:
			ivs = []*Interval{n.Gap, n.MaxDuration}
		}
		for _, iv := range ivs {
			if iv != nil {
				f.WriteString(", ")
				f.interval(iv.Ms)
			}
		}
		f.WriteString(")")
		alias = n.Alias
	default:
		fmt.Fprintf(f, "<unformattable %T>", n)
	}
	if alias != "" {
		f.WriteString(" AS ")
		f.ident(alias)
	}
}

// partitionBy prints a SESSION's PARTITION BY keys: one bare, several in
// parentheses (a bare list would split the TVF's arguments).
func (f *formatter) partitionBy(cols []*ColumnRef) {
	if len(cols) == 0 {
		return
	}
	f.WriteString(" PARTITION BY ")
	if len(cols) > 1 {
		f.WriteString("(")
	}
	for i, c := range cols {
		if i > 0 {
			f.WriteString(", ")
		}
		f.ident(c.Name)
	}
	if len(cols) > 1 {
		f.WriteString(")")
	}
}

func (f *formatter) emit(e *Emit) {
	f.WriteString("EMIT ")
	sep := ""
	item := func(s string) {
		f.WriteString(sep + s)
		sep = ", "
	}
	if e.OnClose {
		item("ON WINDOW CLOSE")
	}
	if e.EarlyEvery != nil {
		item("EARLY EVERY ")
		f.interval(e.EarlyEvery.Ms)
	}
	if e.EarlyWhen != nil {
		item("EARLY WHEN ")
		f.expr(e.EarlyWhen, 0)
	}
	if e.LateWithin != nil {
		item("LATE WITHIN ")
		f.interval(e.LateWithin.Ms)
	}
}

// interval prints ms in the largest unit that divides it exactly.
func (f *formatter) interval(ms int64) {
	unit, n := "MILLISECOND", ms
	for _, u := range []struct {
		name string
		ms   int64
	}{{"DAY", 86_400_000}, {"HOUR", 3_600_000}, {"MINUTE", 60_000}, {"SECOND", 1000}} {
		if ms != 0 && ms%u.ms == 0 {
			unit, n = u.name, ms/u.ms
			break
		}
	}
	if ms == 0 {
		unit = "SECOND"
	}
	f.WriteString("INTERVAL '" + strconv.FormatInt(n, 10) + "' " + unit)
}

// str prints a string literal.
func (f *formatter) str(s string) { f.WriteString(quoteString(s)) }

// quoteString renders s as a standard SQL string literal: '...' with each
// quote doubled.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// alias prints a select item's alias: an identifier, or a string literal
// (MySQL's SELECT 1 AS 'x', which TiDB accepts) when it is not valid UTF-8.
// TiDB turns each invalid byte of an identifier, quoted or not, into '?',
// but keeps a string literal's bytes, and a string-literal alias is how
// such an alias came in: only the literal gives the same alias back.
func (f *formatter) alias(s string) {
	if !utf8.ValidString(s) {
		f.str(s)
		return
	}
	f.ident(s)
}

// ident prints an identifier, double-quoted when it is not a plain word
// or is a reserved word.
func (f *formatter) ident(s string) {
	if isPlainIdent(s) && !reservedWords[strings.ToUpper(s)] {
		f.WriteString(s)
		return
	}
	f.WriteString(`"` + strings.ReplaceAll(s, `"`, `""`) + `"`)
}

// dotted prints a dotted setting name, quoting parts as needed.
func (f *formatter) dotted(s string) {
	for i, part := range strings.Split(s, ".") {
		if i > 0 {
			f.WriteString(".")
		}
		f.ident(part)
	}
}

func isPlainIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentPart(s[i]) || s[i] >= 0x80 || s[i] == '$' {
			return false
		}
	}
	return true
}

func isPlainDotted(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if !isPlainIdent(part) || reservedWords[strings.ToUpper(part)] || part != strings.ToLower(part) {
			return false
		}
	}
	return true
}

// reservedWords are quoted when printed as identifiers: TiDB's reserved
// words and the words weir's own grammar gives a meaning in a query.
var reservedWords = func() map[string]bool {
	m := map[string]bool{"EMIT": true, "WATERMARK": true, "OVER": true}
	for _, k := range tidb.Keywords {
		if k.Reserved {
			m[k.Word] = true
		}
	}
	return m
}()
