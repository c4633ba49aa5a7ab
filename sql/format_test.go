package sql

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFormatAliasBytes: a select item's alias, a string literal (MySQL's
// SELECT 1 'x', which TiDB accepts) or an identifier, is printed as an
// identifier and reads back the same. An alias that is not valid UTF-8
// cannot come in: the script is refused with 22021 before it is parsed
// (TiDB would have turned each invalid byte of an identifier into '?').
func TestFormatAliasBytes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Valid UTF-8 from a string literal: an identifier.
		{"SELECT 0 'é'", `SELECT 0 AS "é"`},
		{"SELECT 0 'ab'", "SELECT 0 AS ab"},
		{"SELECT 0 AS 'a''b'", `SELECT 0 AS "a'b"`},
		// String values keep their bytes, quotes doubled.
		{"SELECT 'é''x'", "SELECT 'é''x'"},
	} {
		stmts, err := Parse(tc.in)
		require.NoError(t, err, "%q", tc.in)
		require.Len(t, stmts, 1, "%q", tc.in)
		out := Format(stmts[0])
		require.Equal(t, tc.want, out, "%q", tc.in)
		requireRoundTrip(t, stmts[0], out)
	}
	// Found by FuzzParse when such bytes were accepted: printed as "\x98"
	// the first read back as "?".
	for _, in := range []string{"SELECT 0'\x98'", "SELECT 0 AS 'a''\xff'", "SELECT 0 AS 'x\xc3'",
		"SELECT 0 AS \"\x98\"", "SELECT 0 AS a\x98b", "SELECT '\x98''x'"} {
		_, err := Parse(in)
		var se *Error
		require.ErrorAs(t, err, &se, "%q", in)
		require.Equal(t, CodeBadEncoding, se.Code, "%q", in)
	}
}

// TestFormatFuncNames: a function's name is printed bare when it is a plain
// word and double-quoted otherwise, so that it reads back as the same name.
// (FuzzParse found "\xa0$()", which TiDB read as a call of "$", which
// bare would read back as a stray '$'; the byte 0xa0 alone is now refused
// as not UTF-8.)
func TestFormatFuncNames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT "$"()`, `SELECT "$"()`},
		{"SELECT a$(1)", `SELECT "a$"(1)`},
		{`SELECT "a""b"(1, 2)`, `SELECT "a""b"(1, 2)`},
		{`SELECT "a b"()`, `SELECT "a b"()`},
		// Plain words stay bare (aggregates' names are lower-cased when
		// parsed, other calls keep the user's spelling).
		{"SELECT upper(s), COUNT(*) FROM t", "SELECT upper(s), count(*) FROM t"},
	} {
		stmts, err := Parse(tc.in)
		require.NoError(t, err, "%q", tc.in)
		require.Len(t, stmts, 1, "%q", tc.in)
		out := Format(stmts[0])
		require.Equal(t, tc.want, out, "%q", tc.in)
		requireRoundTrip(t, stmts[0], out)
	}
}
