package jsondec

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

var varcharSchema = catalog.Schema{{Name: "s", Type: catalog.Varchar}, {Name: "n", Type: catalog.Bigint}}

// decodeVarchar decodes payload and returns column s of the row.
func decodeVarchar(t *testing.T, d *Decoder, payload string) (string, error) {
	t.Helper()
	b := coldata.NewBatch(varcharSchema, 1)
	if err := d.Append(b, []byte(payload), 1); err != nil {
		return "", err
	}
	require.Equal(t, 1, b.Len)
	return b.Cols[0].Str[0], nil
}

// TestVarcharInvalidUTF8: bytes of a JSON string that are not valid UTF-8
// decode to U+FFFD, one per invalid byte, as Go's encoding/json decodes
// them; the valid characters around them are kept.
func TestVarcharInvalidUTF8(t *testing.T) {
	d := New(varcharSchema, -1)
	for _, c := range []struct{ in, want string }{
		{"a\xffb", "a\ufffdb"},
		{"\xff\xfe", "\ufffd\ufffd"},
		{"\xe2\x82", "\ufffd\ufffd"},               // a truncated 3-byte sequence: two bytes, two U+FFFD
		{"\xe2\x82\xac", "€"},                      // the same, complete
		{"\xed\xa0\x80", "\ufffd\ufffd\ufffd"},     // U+D800 encoded in UTF-8: not a character
		{"\xc0\xaf", "\ufffd\ufffd"},               // overlong '/'
		{"é\x80\\u00e9", "é\ufffdé"},               // a stray continuation byte, then an escape
		{"\xe2\\u0082", "\ufffd\u0082"},            // an escape does not complete a sequence
		{"\xff" + `\ud800\u0041`, "\ufffd\ufffdA"}, // both treatments together
	} {
		got, err := decodeVarchar(t, d, `{"s":"`+c.in+`","n":1}`)
		require.NoError(t, err, "%q", c.in)
		require.Equal(t, c.want, got, "%q", c.in)
		require.True(t, utf8.ValidString(got), "%q", c.in)
	}
}

// TestVarcharAsEncodingJSON: strings with escapes and invalid bytes decode
// to what encoding/json decodes them to, and to valid UTF-8.
func TestVarcharAsEncodingJSON(t *testing.T) {
	d := New(varcharSchema, -1)
	for _, s := range []string{
		`plain`, ``, `\ud800`, `\udc00x`, `\ud800\u0041`, `\ud800\ud800\udc00`, `\udbff\udfff`,
		`\ud800\\`, `x\ud800`, `\ud800\n`, `\u0000`, `\"\\\/\b\f\n\r\t`, "caf\xc3", "\xf4\x90\x80\x80",
		`\uDBFF\uDFFF\uD800`, "\xf0\x9f\x98\x80\\ud83d", `\u00e9\u20ac`,
	} {
		p := `{"s":"` + s + `"}`
		var want struct{ S string }
		require.NoError(t, json.Unmarshal([]byte(p), &want), p)
		got, err := decodeVarchar(t, d, p)
		require.NoError(t, err, p)
		require.Equal(t, want.S, got, p)
	}
}
