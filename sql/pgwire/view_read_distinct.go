package pgwire

import (
	"context"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
)

// SELECT DISTINCT, OFFSET and LIMIT of a view read (view_read.go), done on
// the engine's rows.

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
