package sql

import (
	"fmt"
	"strings"
)

// SQLSTATE codes the front end reports.
const (
	// CodeSyntax is SQLSTATE 42601, syntax_error.
	CodeSyntax = "42601"
	// CodeUnsupported is SQLSTATE 0A000, feature_not_supported.
	CodeUnsupported = "0A000"
	// CodeBadEncoding is SQLSTATE 22021, character_not_in_repertoire: text
	// that is not UTF-8, or holds a NUL.
	CodeBadEncoding = "22021"
)

// errAt builds a positioned *Error at byte offset off of the script.
func (p *parser) errAt(off int, code, format string, args ...any) *Error {
	return &Error{At: p.lines.pos(off), Code: code, Msg: fmt.Sprintf(format, args...)}
}

// syntaxErr reports a syntax error at token t: "expected X, found T".
func (p *parser) syntaxErr(t token, expected string) *Error {
	return p.errAt(t.start, CodeSyntax, "expected %s, found %s", expected, p.describe(t))
}

// describe renders a token for an error message.
func (p *parser) describe(t token) string {
	if t.kind == tokEOF {
		return "end of statement"
	}
	s := p.src[t.start:t.end]
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	s = strings.ReplaceAll(s, "\n", " ")
	if t.kind == tokString {
		return s
	}
	return "'" + s + "'"
}
