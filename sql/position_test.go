package sql

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// Error columns count characters, not bytes: 'ééé' is 5 characters but 8
// bytes, so `zz` after it is at column 15 (S=1 ... the quote closing 'ééé'
// at 12, the comma at 13, a space at 14).
func TestErrorColumnsCountCharacters(t *testing.T) {
	p := newLineIndex("SELECT 'ééé', zz FROM m;\nSELECT 1")
	require.Equal(t, Pos{Offset: 17, Line: 1, Col: 15}, p.pos(17))
	require.Equal(t, Pos{Offset: 28, Line: 2, Col: 1}, p.pos(28)) // line 1 is 27 bytes, then the newline

	_, err := Parse("SELECT 'ééé' FROM m EMIT LATE WITHIN INTERVAL 'x' MINUTE;")
	var se *Error
	require.True(t, errors.As(err, &se), "%v", err)
	// The bad interval 'x' starts at byte offset 49: the 3 two-byte é make
	// that character 46, column 47.
	require.Equal(t, 1, se.At.Line)
	require.Equal(t, 47, se.At.Col, se.Msg)
	require.Equal(t, 49, se.At.Offset)
}

// A UTF-8 byte order mark at the start of a script is skipped, as psql
// skips it, and not counted: column 1 is the character after it. Offsets
// stay byte offsets in the script, BOM included.
func TestLeadingByteOrderMark(t *testing.T) {
	stmts, err := Parse("\ufeffSELECT k FROM s;\nSELECT 1 AS x FROM s;")
	require.NoError(t, err)
	require.Len(t, stmts, 2)
	require.Equal(t, Pos{Offset: 3, Line: 1, Col: 1}, stmts[0].StmtPos())

	// zz is the 8th character after the BOM (bytes 3..10 are "SELECT z").
	_, err = Parse("\ufeffSELECT zz FROM m EMIT LATE WITHIN INTERVAL 'x' MINUTE;")
	var se *Error
	require.True(t, errors.As(err, &se), "%v", err)
	// 'x' is the 44th character after the BOM: "SELECT zz FROM m EMIT LATE
	// WITHIN INTERVAL " is 43 characters.
	require.Equal(t, Pos{Offset: 3 + 43, Line: 1, Col: 44}, se.At)

	// On the second line the BOM does not count either way.
	_, err = Parse("\ufeffSELECT k FROM s;\nSELECT k FROM s EMIT LATE WITHIN INTERVAL 'x' MINUTE;")
	require.True(t, errors.As(err, &se), "%v", err)
	require.Equal(t, 2, se.At.Line)
	require.Equal(t, 43, se.At.Col) // "SELECT k FROM s EMIT LATE WITHIN INTERVAL " is 42

	require.Equal(t, []string{"SELECT 1", "SELECT 2"}, SplitStatements("\ufeffSELECT 1; SELECT 2;"))
	require.True(t, Complete("\ufeffSELECT 1;"))

	// Only a leading one is skipped: elsewhere U+FEFF is not blank.
	_, err = Parse("SELECT 1 AS x FROM s;\ufeff")
	require.Error(t, err)
}
