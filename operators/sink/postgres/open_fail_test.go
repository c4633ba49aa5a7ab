package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
)

// TestFailedOpenReleasesItsConnection: no Close follows a failed Open, so
// an Open that fails with a permanent error (the sink's table is a view:
// 42809 on the upsert index) must not leave its connection open.
func TestFailedOpenReleasesItsConnection(t *testing.T) {
	url := testURL(t)
	table := uniqueTable(t, url)
	app := fmt.Sprintf("weir_open_fail_%d", time.Now().UnixNano())
	conn, err := pgx.Connect(context.Background(), url)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), "CREATE VIEW "+ident(table)+" AS SELECT 1 AS one")
	require.NoError(t, err)
	t.Cleanup(func() { conn.Exec(context.Background(), "DROP VIEW IF EXISTS "+ident(table)) })

	op, err := New(&catalog.Sink{Name: "s", Connector: "postgres",
		Options: catalog.Options{"url": url + "&application_name=" + app, "table": table}}, resultSchema, []int{2})
	require.NoError(t, err)
	op.(*Sink).SetErrorLog(nil)
	err = op.Open(&operators.Context{})
	require.Error(t, err)
	require.Contains(t, err.Error(), "sink s:")

	count := func() int {
		var n int
		require.NoError(t, conn.QueryRow(context.Background(),
			"SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n))
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for count() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the failed Open's connection (application_name %s) is still open", app)
		}
		time.Sleep(10 * time.Millisecond) // polling PostgreSQL's view of its backends
	}
}
