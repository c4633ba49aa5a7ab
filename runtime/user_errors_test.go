package runtime_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/runtime"
)

// TestUserErrorsHaveNoPackagePrefix: errors a user sees for their own
// statements read as PostgreSQL's do, with the SQLSTATE and position but no
// "catalog: " or "runtime: " prefix, both through Exec (weir run, the REPL)
// and over the wire.
func TestUserErrorsHaveNoPackagePrefix(t *testing.T) {
	eng := boundedEngine(t) // source m, view v (window_start, model, n)
	w := runtime.NewWireEngine(eng)
	ctx := context.Background()

	// A taken name: 42P07 at the statement, naming the kind that holds it.
	const again = "CREATE SOURCE m (ts TIMESTAMP) WITH (connector = 'file', path = '/nonexistent')"
	se := sqlErr(t, execErr(eng, again), "42P07", 1, 1)
	require.Equal(t, `source "m" already exists`, se.Msg)
	_, err := w.Execute(ctx, nil, again)
	se = sqlErr(t, err, "42P07", 1, 1)
	require.Equal(t, `source "m" already exists`, se.Msg)
	se = sqlErr(t, execErr(eng, "CREATE VIEW m AS SELECT model FROM m"), "42P07", 1, 1)
	require.Equal(t, `source "m" already exists`, se.Msg)
	se = sqlErr(t, execErr(eng, "CREATE VIEW v AS SELECT model FROM m"), "42P07", 1, 1)
	require.Equal(t, `view "v" already exists`, se.Msg)

	// ORDER BY a position past the three columns: 42P10 at the literal
	// (column 37 of the text below).
	const order = "SELECT window_start FROM v ORDER BY 9"
	se = sqlErr(t, execErr(eng, order), "42P10", 1, 37)
	require.Equal(t, "ORDER BY position 9 is not in select list", se.Msg)
	_, err = w.Execute(ctx, nil, order)
	se = sqlErr(t, err, "42P10", 1, 37)
	require.Equal(t, "ORDER BY position 9 is not in select list", se.Msg)

	se = sqlErr(t, execErr(eng, "SELECT model FROM v EMIT ON WINDOW CLOSE"), "0A000", 1, 21)
	require.Equal(t, `EMIT does not apply to reading view "v"`, se.Msg)
}
