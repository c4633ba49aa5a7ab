package file

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
)

// TestSinkOptions: the file sink takes connector, path and format ('json'
// in any case) and refuses any other option, naming it.
func TestSinkOptions(t *testing.T) {
	schema := catalog.Schema{{Name: "v", Type: catalog.Bigint}}
	_, err := New(&catalog.Sink{Name: "out", Connector: "file",
		Options: catalog.Options{"connector": "file", "path": "o.jsonl", "format": " JSON "}}, schema)
	require.NoError(t, err)
	for _, tc := range []struct {
		opts catalog.Options
		err  string
	}{
		{catalog.Options{"path": "o", "follow": "true"},
			`file sink "out": unknown option "follow"; known options: connector, path, format`},
		{catalog.Options{"path": "o", "dead_letter_path": "d"},
			`file sink "out": unknown option "dead_letter_path"; known options: connector, path, format`},
		{catalog.Options{"path": "o", "format": "csv"},
			`file sink "out": unsupported format "csv" (only 'json')`},
		{catalog.Options{"path": ""}, `file sink "out": option path is required`},
	} {
		_, err := New(&catalog.Sink{Name: "out", Options: tc.opts}, schema)
		require.EqualError(t, err, tc.err)
	}
}
