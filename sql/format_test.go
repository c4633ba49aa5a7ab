package sql

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFormatAliasBytes: a select item's alias may hold any bytes, and
// formatting gives the same alias back and is stable. The expected outputs
// follow from how TiDB reads the two spellings of an alias: a string literal
// (MySQL's SELECT 1 'x') keeps its bytes, while an identifier, quoted or
// not, has each byte that is not valid UTF-8 replaced by '?'. So an alias
// that is not valid UTF-8 can only have come from a string literal and is
// printed as one; a valid one is printed as an identifier.
func TestFormatAliasBytes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Found by FuzzParse: printed as "\x98" it read back as "?".
		{"SELECT 0'\x98'", "SELECT 0 AS '\x98'"},
		{"SELECT 0 AS 'a''\xff'", "SELECT 0 AS 'a''\xff'"},
		{"SELECT 0 AS 'x\xc3'", "SELECT 0 AS 'x\xc3'"}, // a truncated two-byte sequence
		// Valid UTF-8 from a string literal: an identifier.
		{"SELECT 0 'é'", `SELECT 0 AS "é"`},
		{"SELECT 0 'ab'", "SELECT 0 AS ab"},
		// An identifier's invalid byte is already '?' when parsed.
		{"SELECT 0 AS \"\x98\"", `SELECT 0 AS "?"`},
		{"SELECT 0 AS a\x98b", `SELECT 0 AS "a?b"`},
		// String values keep their bytes, quotes doubled.
		{"SELECT '\x98''x'", "SELECT '\x98''x'"},
	} {
		stmts, err := Parse(tc.in)
		require.NoError(t, err, "%q", tc.in)
		require.Len(t, stmts, 1, "%q", tc.in)
		out := Format(stmts[0])
		require.Equal(t, tc.want, out, "%q", tc.in)
		requireRoundTrip(t, stmts[0], out)
	}
}

// TestFormatFuncNames: a function's name is printed bare when it is a plain
// word and double-quoted otherwise, so that it reads back as the same name.
// TiDB reads the byte 0xa0 as a space, so "\xa0$()" calls "$", which bare
// would read back as a stray '$'.
func TestFormatFuncNames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT \xa0$()", `SELECT "$"()`}, // found by FuzzParse
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
