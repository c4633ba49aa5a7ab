package postgres

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
)

// TestSinkOptions: the postgres sink takes connector, url and table and
// refuses any other option, naming it, before it connects anywhere.
func TestSinkOptions(t *testing.T) {
	opts := catalog.Options{"connector": "postgres", "url": "postgres://h/db", "table": "t"}
	_, err := New(&catalog.Sink{Name: "x", Connector: "postgres", Options: opts}, resultSchema, nil)
	require.NoError(t, err)
	for _, extra := range []string{"schema", "format", "key_columns"} {
		o := catalog.Options{"url": "postgres://h/db", "table": "t", extra: "v"}
		_, err := New(&catalog.Sink{Name: "x", Options: o}, resultSchema, nil)
		require.EqualError(t, err, `sink x: unknown option "`+extra+`"; known options: connector, url, table`)
	}
}
