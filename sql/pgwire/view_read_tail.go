package pgwire

import (
	"strconv"
	"strings"
)

// The LIMIT / OFFSET / FETCH clauses of a view read (view_read.go).

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
