package sql

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// Bytes that are not UTF-8, or a NUL, are 22021 wherever they are (a quoted
// or bare name, a comment, a string), at the first bad byte, as PostgreSQL
// checks a query's encoding before parsing it. A name with them used to be
// accepted and printed as "??".
func TestInvalidEncodingIsRefused(t *testing.T) {
	for _, c := range []struct {
		script    string
		line, col int
		bad       string
	}{
		{"SELECT k AS \"a\xff\xfe\" FROM s;", 1, 15, "0xff"},
		{"SELECT \xff\xfe FROM s;", 1, 8, "0xff"},
		// é is one character: the comment's 0xc3 (a lead byte followed by
		// '(') is character 28.
		{"SELECT 'é' AS x -- comment \xc3(\nFROM s;", 1, 28, "0xc3"},
		{"SELECT k\x00 FROM s;", 1, 9, "0x00"},
		{"SELECT k FROM s;\nSELECT 'x\x80';", 2, 10, "0x80"},
		{"SELECT k FROM s; /* \xe2\x82 */", 1, 21, "0xe2"},
	} {
		_, err := Parse(c.script)
		var se *Error
		require.True(t, errors.As(err, &se), "%q: %v", c.script, err)
		require.Equal(t, CodeBadEncoding, se.Code, c.script)
		require.Equal(t, `invalid byte sequence for encoding "UTF8": `+c.bad, se.Msg, c.script)
		require.Equal(t, c.line, se.At.Line, c.script)
		require.Equal(t, c.col, se.At.Col, c.script)
	}
}
