package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseTypeSynonyms: every name of docs/sql.md's type list, in any
// case and spacing, maps to weir's type; PostgreSQL's integer widths are
// all BIGINT and its floating-point widths DOUBLE.
func TestParseTypeSynonyms(t *testing.T) {
	for want, names := range map[Type][]string{
		Bigint:    {"BIGINT", "int", "Integer", "smallint", "int2", "INT4", "int8"},
		Double:    {"DOUBLE", "double precision", "DOUBLE   PRECISION", "float", "real", "float4", "FLOAT8", "numeric", "decimal"},
		Varchar:   {"VARCHAR", "text", "string", "char", "character", "character varying", "bpchar"},
		Boolean:   {"BOOLEAN", "bool"},
		Timestamp: {"TIMESTAMP", "timestamptz", "timestamp with time zone", "TIMESTAMP WITHOUT TIME ZONE"},
	} {
		for _, name := range names {
			got, ok := ParseType(name)
			require.True(t, ok, name)
			require.Equal(t, want, got, name)
		}
	}
	for _, name := range []string{"", "INTERVAL", "DATE", "JSON", "PRECISION", "DOUBLEPRECISION", "INT16", "VARYING"} {
		_, ok := ParseType(name)
		require.False(t, ok, name)
	}
}
