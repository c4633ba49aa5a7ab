package runtime

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLeftoverCreateSourcePostgresTypeNames: CREATE SOURCE takes
// PostgreSQL's type names for its columns (docs/sql.md, types), each as
// weir's type: DESCRIBE shows BIGINT for every integer width, DOUBLE for
// every floating-point one, VARCHAR for the character types, BOOLEAN for
// BOOL and TIMESTAMP for both time-zone spellings; and a JSON event reads
// into them.
func TestLeftoverCreateSourcePostgresTypeNames(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "t.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(
		`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":1.5,"g":2.5,"h":3.5,"i":4.5,"j":"x","k":"y","l":"z","m":"w","n":true,`+
			`"o":"2026-11-09T10:00:00Z","p":"2026-11-09T10:00:01Z","q":"2026-11-09T10:00:02Z"}`+"\n"), 0o644))
	e := New(Options{Stderr: &syncBuffer{}})
	defer e.Close()
	coldExec(t, e, `CREATE SOURCE t (a INT2, b int4, c INT8, d INTEGER, e SMALLINT,
	  f FLOAT4, g float8, h REAL, i DOUBLE PRECISION,
	  j TEXT, k CHARACTER(3), l CHARACTER VARYING(10), m bpchar,
	  n BOOL, o TIMESTAMPTZ, p TIMESTAMP WITH TIME ZONE, q TIMESTAMP WITHOUT TIME ZONE)
	  WITH (connector = 'file', path = '`+data+`')`)
	require.Equal(t, []string{
		"a | BIGINT", "b | BIGINT", "c | BIGINT", "d | BIGINT", "e | BIGINT",
		"f | DOUBLE", "g | DOUBLE", "h | DOUBLE", "i | DOUBLE",
		"j | VARCHAR", "k | VARCHAR", "l | VARCHAR", "m | VARCHAR",
		"n | BOOLEAN", "o | TIMESTAMP", "p | TIMESTAMP", "q | TIMESTAMP",
	}, coldRead(t, e, "DESCRIBE t"))
	coldExec(t, e, "CREATE MATERIALIZED VIEW tv AS SELECT * FROM t")
	waitQueries(t, e)
	require.Equal(t, []string{"1 | 2 | 3 | 4 | 5 | 1.5 | 2.5 | 3.5 | 4.5 | x | y | z | w | true | " +
		"2026-11-09T10:00:00.000Z | 2026-11-09T10:00:01.000Z | 2026-11-09T10:00:02.000Z"}, coldRead(t, e, "SELECT * FROM tv"))
}
