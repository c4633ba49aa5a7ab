package sql

import "strings"

// SplitStatements splits a script into statement texts at ';' outside
// quotes and comments, read as PostgreSQL reads them (nested /* */
// comments, E'...' and $$...$$ strings). Each text is trimmed and has no
// trailing ';'; empty statements are dropped. An unterminated string or comment runs to the end
// of the script, inside the last statement.
func SplitStatements(script string) []string {
	toks, lexErr := tokenize(script)
	if lexErr != nil && lexErr.unterminated {
		toks = append(toks, token{kind: tokString, start: lexErr.at, end: len(script)})
	}
	var out []string
	first := -1 // index of the current statement's first token
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && !toks[i].isOp(";") {
			if first < 0 {
				first = i
			}
			continue
		}
		if first >= 0 {
			out = append(out, strings.TrimSpace(script[toks[first].start:toks[i-1].end]))
		}
		first = -1
	}
	return out
}

// Complete reports whether input ends a statement: its last token outside
// quotes and comments is ';'. A REPL reads more lines until it is.
func Complete(input string) bool {
	toks, lexErr := tokenize(input)
	return (lexErr == nil || !lexErr.unterminated) && len(toks) > 0 && toks[len(toks)-1].isOp(";")
}
