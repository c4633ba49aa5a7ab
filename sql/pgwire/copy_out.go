package pgwire

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/weirdb/weir/sql"
)

// This file is COPY ... TO STDOUT, the PostgreSQL way to stream a result
// that psql prints as it arrives: `COPY (SUBSCRIBE TO v) TO STDOUT` (as in
// Materialize) shows a view's emissions live in psql, and psql's
// `\copy (query) TO STDOUT` or `COPY v TO STDOUT WITH (FORMAT csv, HEADER)`
// export a view. Only TO STDOUT, in the simple query protocol: weir has no
// tables to COPY FROM into and writes no server-side files.

// copyOptions are the options of a COPY TO STDOUT.
type copyOptions struct {
	csv    bool
	header bool
	delim  byte
	null   string
}

// copyStmt is a parsed COPY TO STDOUT.
type copyStmt struct {
	query string // the statement run
	off   int    // offset of query in the COPY text; -1 when synthesized
	opts  copyOptions
}

// parseCopy parses COPY ( query ) TO STDOUT [options] and COPY name
// [(columns)] TO STDOUT [options].
func parseCopy(stmt string) (*copyStmt, error) {
	sc := wordScanner{s: stmt, i: len("copy")}
	sc.skip()
	cs := &copyStmt{off: -1}
	if sc.i < len(stmt) && stmt[sc.i] == '(' {
		end := matchParen(stmt, sc.i)
		if end < 0 {
			return nil, errorf(codeSyntaxError, "syntax error in COPY: missing ')' after the query")
		}
		cs.off, cs.query = nested(stmt[:end], sc.i+1)
		sc.i = end + 1
		if cs.query == "" {
			return nil, errorf(codeSyntaxError, "syntax error in COPY: expected a query inside ( )")
		}
	} else {
		sc.skip()
		start := sc.i
		_, ok := sc.ident()
		for ok && sc.i < len(stmt) && stmt[sc.i] == '.' {
			sc.i++
			_, ok = sc.ident()
		}
		name := stmt[start:sc.i]
		if !ok {
			return nil, errorf(codeSyntaxError, "syntax error in COPY: expected ( query ) or a view name")
		}
		cols := "*"
		sc.skip()
		if sc.i < len(stmt) && stmt[sc.i] == '(' {
			end := matchParen(stmt, sc.i)
			if end < 0 {
				return nil, errorf(codeSyntaxError, "syntax error in COPY: missing ')' after the column list")
			}
			cols = stmt[sc.i+1 : end]
			sc.i = end + 1
		}
		cs.query = "SELECT " + cols + " FROM " + name
	}
	switch w, _ := sc.word(); w {
	case "to":
	case "from":
		return nil, errorf(codeFeatureNotSupported, "COPY FROM is not supported: weir has no tables to load; declare a source instead")
	default:
		return nil, errorf(codeSyntaxError, "syntax error in COPY: expected TO STDOUT")
	}
	if w, _ := sc.word(); w != "stdout" {
		return nil, errorf(codeFeatureNotSupported, "COPY TO a file or program is not supported: use COPY ... TO STDOUT (psql: \\copy ... TO 'file')")
	}
	opts, err := parseCopyOptions(&sc)
	if err != nil {
		return nil, err
	}
	cs.opts = opts
	return cs, nil
}

// parseCopyOptions reads [WITH] (option [, ...]) or the old-style options
// [WITH] [BINARY] [DELIMITER [AS] 'c'] [NULL [AS] 'str'] [CSV [HEADER]].
func parseCopyOptions(sc *wordScanner) (copyOptions, error) {
	o := copyOptions{delim: '\t', null: `\N`}
	delimSet, nullSet := false, false
	sc.skip()
	save := sc.i
	if w, _ := sc.word(); w != "with" {
		sc.i = save
	}
	sc.skip()
	paren := sc.i < len(sc.s) && sc.s[sc.i] == '('
	if paren {
		sc.i++
	}
	for {
		sc.skip()
		if sc.i >= len(sc.s) {
			if paren {
				return o, errorf(codeSyntaxError, "syntax error in COPY options: missing ')'")
			}
			break
		}
		if paren && sc.s[sc.i] == ')' {
			sc.i++
			sc.skip()
			if sc.i < len(sc.s) {
				return o, errorf(codeSyntaxError, "syntax error in COPY at or near %q", sc.s[sc.i:])
			}
			break
		}
		if paren && sc.s[sc.i] == ',' {
			sc.i++
			continue
		}
		w, ok := sc.word()
		if !ok {
			return o, errorf(codeSyntaxError, "syntax error in COPY options at or near %q", sc.s[sc.i:])
		}
		switch w {
		case "format":
			f, _ := sc.word()
			switch f {
			case "text":
				o.csv = false
			case "csv":
				o.csv = true
			case "binary":
				return o, errorf(codeFeatureNotSupported, "COPY format binary is not supported; use text or csv")
			default:
				return o, errorf(codeInvalidParamValue, "COPY format %q not recognized", f)
			}
		case "csv":
			o.csv = true
		case "binary":
			return o, errorf(codeFeatureNotSupported, "COPY format binary is not supported; use text or csv")
		case "header":
			o.header = true
			save := sc.i
			switch v, _ := sc.word(); v {
			case "true", "on":
			case "false", "off":
				o.header = false
			default:
				sc.i = save
				if n, ok := sc.number(); ok {
					o.header = n != 0
				}
			}
		case "delimiter", "null":
			save := sc.i
			if v, _ := sc.word(); v != "as" {
				sc.i = save
			}
			s, ok := sc.stringLit()
			if !ok {
				return o, errorf(codeSyntaxError, "syntax error in COPY: %s needs a quoted string", strings.ToUpper(w))
			}
			if w == "null" {
				o.null, nullSet = s, true
			} else {
				if len(s) != 1 || s[0] == '\r' || s[0] == '\n' || s[0] == '\\' {
					return o, errorf(codeFeatureNotSupported, "COPY delimiter must be a single one-byte character other than newline, carriage return and backslash")
				}
				o.delim, delimSet = s[0], true
			}
		default:
			return o, errorf(codeFeatureNotSupported, "COPY option %q is not supported (weir supports FORMAT, HEADER, DELIMITER and NULL)", w)
		}
	}
	if o.csv {
		if !delimSet {
			o.delim = ','
		}
		if !nullSet {
			o.null = ""
		}
	}
	return o, nil
}

// runCopy runs a COPY TO STDOUT: CopyOutResponse, one CopyData per row
// (flushed as it comes for a stream such as SUBSCRIBE), CopyDone and
// "COPY n".
func (c *conn) runCopy(ctx context.Context, stmt string) error {
	cs, err := parseCopy(stmt)
	if err != nil {
		return err
	}
	res, err := c.start(ctx, cs.query)
	if err != nil {
		if cs.off < 0 {
			return withoutPosition(err)
		}
		return subError{err, cs.off}
	}
	defer closeResult(res)
	cols := res.Columns()
	if cols == nil {
		return errorf(codeFeatureNotSupported, "COPY needs a statement that returns rows")
	}
	c.be.Send(&pgproto3.CopyOutResponse{OverallFormat: 0, ColumnFormatCodes: make([]uint16, len(cols))})
	var line []byte
	if cs.opts.header {
		for i, col := range cols {
			if i > 0 {
				line = append(line, cs.opts.delim)
			}
			if cs.opts.csv {
				line = appendCSVField(line, []byte(col.Name), cs.opts.delim)
			} else {
				line = appendCopyText(line, []byte(col.Name), cs.opts.delim)
			}
		}
		line = append(line, '\n')
		c.be.Send(&pgproto3.CopyData{Data: line})
	}
	streaming := false
	if s, ok := res.(Streamer); ok {
		streaming = s.Streaming()
	}
	var field []byte
	n, pending := 0, 0
	for {
		if streaming || pending >= rowFlushEvery {
			if err := c.flush(); err != nil {
				return err
			}
			pending = 0
		}
		row, ok, err := c.next(ctx, res)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		line = line[:0]
		for i, col := range cols {
			if i > 0 {
				line = append(line, cs.opts.delim)
			}
			if i >= len(row) || row[i].Null {
				line = append(line, cs.opts.null...)
				continue
			}
			field = appendValue(field[:0], col.Type, false, &row[i])
			if cs.opts.csv {
				line = appendCSVFieldNotNull(line, field, cs.opts)
			} else {
				line = appendCopyText(line, field, cs.opts.delim)
			}
		}
		line = append(line, '\n')
		c.be.Send(&pgproto3.CopyData{Data: line})
		n++
		pending++
	}
	c.be.Send(&pgproto3.CopyDone{})
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte("COPY " + strconv.Itoa(n))})
	return nil
}

// appendCopyText appends v escaped for COPY's text format.
func appendCopyText(dst, v []byte, delim byte) []byte {
	for _, b := range v {
		switch b {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\v':
			dst = append(dst, '\\', 'v')
		default:
			if b == delim {
				dst = append(dst, '\\')
			}
			dst = append(dst, b)
		}
	}
	return dst
}

// appendCSVFieldNotNull appends a non-NULL value in CSV: quoted when it
// holds the delimiter, a quote, a line break or a backslash-dot line, or
// when it equals the NULL string (so that it reads back as a value).
func appendCSVFieldNotNull(dst, v []byte, o copyOptions) []byte {
	if string(v) == o.null {
		return append(append(append(dst, '"'), v...), '"')
	}
	return appendCSVField(dst, v, o.delim)
}

// appendCSVField appends v, quoted when needed.
func appendCSVField(dst, v []byte, delim byte) []byte {
	quote := string(v) == `\.`
	for _, b := range v {
		if b == delim || b == '"' || b == '\n' || b == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for _, b := range v {
		if b == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, b)
	}
	return append(dst, '"')
}

// matchParen returns the index of the ')' closing the '(' at s[i], skipping
// literals and comments, or -1.
func matchParen(s string, i int) int {
	depth := 0
	for i < len(s) {
		if j := skipLiteral(s, i); j >= 0 {
			i = j
			continue
		}
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return -1
}

// withoutPosition drops the position of a *sql.Error whose text pgwire
// wrote itself (COPY name synthesizes its SELECT).
func withoutPosition(err error) error {
	var se *sql.Error
	if errors.As(err, &se) {
		cp := *se
		cp.At = sql.Pos{}
		return &cp
	}
	return err
}

// stringLit reads a single-quoted string literal.
func (w *wordScanner) stringLit() (string, bool) {
	w.skip()
	if w.i >= len(w.s) || w.s[w.i] != '\'' {
		return "", false
	}
	j := skipQuoted(w.s, w.i+1, '\'', false)
	if j > len(w.s) || w.s[j-1] != '\'' || j-1 == w.i {
		return "", false
	}
	v := strings.ReplaceAll(w.s[w.i+1:j-1], "''", "'")
	w.i = j
	return v, true
}
