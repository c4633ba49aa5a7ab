package sql

import "strings"

// mysqlDateFuncs are MySQL's date functions, which weir does not have,
// with what to write instead (docs/sql.md, "Not supported"). Without this,
// TiDB's grammar would read them its own way and fail on the lifted
// INTERVAL or on a plain number with a message about the argument.
var mysqlDateFuncs = map[string]string{
	"DATE_ADD":      "add an interval instead: ts + INTERVAL '1' DAY",
	"ADDDATE":       "add an interval instead: ts + INTERVAL '1' DAY",
	"TIMESTAMPADD":  "add an interval instead: ts + INTERVAL '1' DAY",
	"DATE_SUB":      "subtract an interval instead: ts - INTERVAL '1' DAY",
	"SUBDATE":       "subtract an interval instead: ts - INTERVAL '1' DAY",
	"TIMESTAMPDIFF": "subtract the timestamps instead: TIMESTAMPDIFF(unit, a, b) is b - a, in milliseconds (BIGINT)",
	"DATEDIFF":      "subtract the timestamps instead: DATEDIFF(a, b) is a - b, in milliseconds (BIGINT)",
}

// refusedCall checks the call whose name is toks[j] (toks[j+1] is its
// '('): MySQL's date functions and TRIM(BOTH FROM string, characters) are
// errors at the name that say what to write instead.
func (c *converter) refusedCall(toks []token, j int) error {
	t := toks[j]
	if t.kind != tokIdent || (j > 0 && toks[j-1].isOp(".")) {
		return nil
	}
	name := strings.ToUpper(t.val)
	if alt, ok := mysqlDateFuncs[name]; ok {
		return c.p.errAt(t.start, CodeUnsupported, "%s is not supported; %s", name, alt)
	}
	if name == "TRIM" && trimFromWithComma(toks, j+1) {
		form, fn := "", "BTRIM"
		switch {
		case toks[j+2].is("BOTH"):
			form = "BOTH "
		case toks[j+2].is("LEADING"):
			form, fn = "LEADING ", "LTRIM"
		case toks[j+2].is("TRAILING"):
			form, fn = "TRAILING ", "RTRIM"
		}
		return c.p.errAt(t.start, CodeUnsupported,
			"TRIM(%sFROM string, characters) is not supported; use %s(string, characters)", form, fn)
	}
	return nil
}

// trimFromWithComma reports whether the parentheses opening at toks[open]
// hold, at their own depth, a FROM followed later by a ','
// (TRIM(BOTH FROM s, 'x')).
func trimFromWithComma(toks []token, open int) bool {
	depth, from := 0, false
	for k := open; k < len(toks); k++ {
		switch u := toks[k]; {
		case u.isOp("("):
			depth++
		case u.isOp(")"):
			depth--
			if depth == 0 {
				return false
			}
		case depth == 1 && u.is("FROM"):
			from = true
		case depth == 1 && from && u.isOp(","):
			return true
		}
	}
	return false
}
