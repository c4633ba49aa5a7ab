package pgwire

import "strings"

// standardStrings returns stmt with each dollar-quoted string constant
// ($$...$$, $tag$...$tag$) written as a standard one ('...', quotes
// doubled), which is what the engine and pgwire's own parsers read, and the
// edits made. The two mean the same: a dollar-quoted string has no escapes,
// and neither has a standard one with standard_conforming_strings on. An
// unterminated one is left for the parser to report.
func standardStrings(stmt string) (string, []edit) {
	if !strings.Contains(stmt, "$") {
		return stmt, nil
	}
	var b strings.Builder
	var edits []edit
	last := 0
	for i := 0; i < len(stmt); {
		j := skipLiteral(stmt, i)
		if j < 0 {
			i++
			continue
		}
		if stmt[i] == '$' {
			tagLen := strings.IndexByte(stmt[i+1:], '$') + 2
			if j-i >= 2*tagLen && stmt[j-tagLen:j] == stmt[i:i+tagLen] {
				b.WriteString(stmt[last:i])
				start := b.Len()
				b.WriteByte('\'')
				b.WriteString(strings.ReplaceAll(stmt[i+tagLen:j-tagLen], "'", "''"))
				b.WriteByte('\'')
				edits = append(edits, edit{OldStart: i, OldEnd: j, NewStart: start, NewEnd: b.Len()})
				last = j
			}
		}
		i = j
	}
	if edits == nil {
		return stmt, nil
	}
	b.WriteString(stmt[last:])
	return b.String(), edits
}
