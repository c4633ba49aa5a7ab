package pgwire

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestProvablyEmpty: a query is answered with no rows unevaluated only
// when SQL's join rules make it empty whatever the other relations hold:
// an inner or cross join with an empty catalog, the left side of a LEFT
// JOIN, the right side of a RIGHT JOIN, both sides of a FULL JOIN, every
// UNION branch; an aggregate or a HAVING without GROUP BY makes a row out
// of none.
func TestProvablyEmpty(t *testing.T) {
	for _, tc := range []struct {
		stmt  string
		empty bool
	}{
		{`SELECT 1 FROM pg_inherits`, true},
		{`SELECT i.inhparent FROM pg_catalog.pg_inherits i WHERE i.inhrelid = '16384' ORDER BY 1`, true},
		{`SELECT 1 FROM pg_class c, pg_inherits i WHERE c.oid = i.inhparent`, true},
		{`SELECT 1 FROM pg_class c JOIN pg_inherits i ON c.oid = i.inhrelid`, true},
		{`SELECT 1 FROM pg_class c CROSS JOIN pg_policy p`, true},
		{`SELECT 1 FROM pg_inherits i LEFT JOIN pg_class c ON true`, true},
		{`SELECT 1 FROM pg_class c LEFT JOIN pg_inherits i ON true`, false},
		{`SELECT 1 FROM pg_class c LEFT OUTER JOIN pg_inherits i USING (oid)`, false},
		{`SELECT 1 FROM pg_class c RIGHT JOIN pg_inherits i ON true`, true},
		{`SELECT 1 FROM pg_inherits i RIGHT JOIN pg_class c ON true`, false},
		{`SELECT 1 FROM pg_inherits i FULL JOIN pg_class c ON true`, false},
		{`SELECT 1 FROM pg_inherits i FULL JOIN pg_policy p ON true`, true},
		{`SELECT count(*) FROM pg_inherits`, false},
		{`SELECT coalesce(max(inhseqno), 0) FROM pg_inherits`, false},
		{`SELECT (SELECT count(*) FROM pg_class) FROM pg_inherits`, true},
		{`SELECT 1 FROM pg_inherits HAVING true`, false},
		{`SELECT 1 FROM pg_inherits GROUP BY 1 HAVING true`, true},
		{`SELECT 1 FROM pg_inherits UNION SELECT 1 FROM pg_policy`, true},
		{`SELECT 1 FROM pg_inherits UNION ALL SELECT 1 FROM pg_class`, false},
		{`SELECT 1 FROM pg_inherits EXCEPT SELECT 1 FROM pg_policy`, false},
		{`SELECT 1 FROM (SELECT 1) s, pg_inherits`, true},
		{`SELECT 1 FROM pg_inherits, (SELECT 1) s`, true},
		// A derived table is as empty as its subquery (JDBC's
		// getPrimaryKeys and getIndexInfo read pg_index in one).
		{`SELECT r.a FROM (SELECT 1 AS a FROM pg_class c JOIN pg_index i ON c.oid = i.indrelid) r WHERE r.a = 1`, true},
		{`SELECT r.a FROM (SELECT 1 AS a FROM pg_class c LEFT JOIN pg_index i ON c.oid = i.indrelid) AS r`, false},
		{`SELECT 1 FROM (SELECT count(*) FROM pg_index) r`, false},
		{`SELECT 1 FROM (SELECT 1 FROM pg_index UNION SELECT 1 FROM pg_class) r`, false},
		{`SELECT 1 FROM pg_class c LEFT JOIN (SELECT 1 FROM pg_index) r ON true`, false},
		{`SELECT 1 FROM (SELECT 1 FROM pg_description d) r`, true},
		{`SELECT 1 FROM pg_constraint con, pg_catalog.generate_series(1, 32) pos(n) WHERE pos.n = 1`, true},
		{`SELECT 1 FROM pg_catalog.generate_series(1, 32) pos(n)`, false},
		{`SELECT 1 FROM pg_catalog.generate_series(1, 32) AS pos LEFT JOIN pg_index i ON true`, false},
		{`SELECT 1 FROM pg_class`, false},
		{`SELECT 1`, false},
	} {
		empty, ok := provablyEmpty(tc.stmt)
		require.Equal(t, tc.empty, empty && ok, tc.stmt)
	}
}

// TestConstSelectClauses: a SELECT without FROM whose GROUP BY or HAVING
// pgwire does not evaluate is not answered as a constant (SELECT 1 HAVING
// false has no row in PostgreSQL).
func TestConstSelectClauses(t *testing.T) {
	c := testConn(t)
	ctx := context.Background()
	for _, stmt := range []string{`SELECT 1 HAVING false`, `SELECT 1 GROUP BY 1`, `SELECT 1 WHERE false`} {
		_, ok, err := c.constSelect(ctx, stmt)
		require.NoError(t, err, stmt)
		require.False(t, ok, stmt)
	}
	res, ok, err := c.constSelect(ctx, `SELECT EXISTS (SELECT FROM pg_tables WHERE tablename = 'metrics') AS e, (SELECT count(*) FROM pg_policy) AS n`)
	require.NoError(t, err)
	require.True(t, ok)
	require.Len(t, res.rows, 1)
	require.True(t, res.rows[0][0].B)
	require.Equal(t, int64(0), res.rows[0][1].I)
}
