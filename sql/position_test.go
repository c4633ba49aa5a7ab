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
