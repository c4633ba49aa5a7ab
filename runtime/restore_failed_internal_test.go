package runtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/sql"
)

// TestTransientRestoreError: a restore failure is retried for its cause
// (the types in its chain), whatever its text says.
func TestTransientRestoreError(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		// Outages.
		{fmt.Errorf("source k: cannot reach any broker of [h:9092]: %w", refused), true},
		{fmt.Errorf("sink s: %w", syscall.ECONNRESET), true},
		{fmt.Errorf("sink s: %w", syscall.EHOSTUNREACH), true},
		{fmt.Errorf("sink s: %w", syscall.ENETUNREACH), true},
		{fmt.Errorf("sink s: %w", syscall.ETIMEDOUT), true},
		{fmt.Errorf("sink s: open: %w", context.DeadlineExceeded), true},
		{&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "db", IsNotFound: true}}, true},
		{fmt.Errorf("sink s: open failed for 10s (3 retries), giving up: %w",
			&pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}), true},
		{fmt.Errorf("sink s: open: %w", &pgconn.PgError{Code: "08006"}), true},
		{fmt.Errorf("topic %q on h: %w", "ev", kafkago.LeaderNotAvailable), true},
		{fmt.Errorf("topic %q on h: %w", "ev", kafkago.BrokerNotAvailable), true},
		// Not outages, though their text names one.
		{errors.New(`file sink "timeouts": timeouts.jsonl is 0 bytes, shorter than the 46 bytes the checkpoint recorded`), false},
		{errors.New(`sink "connection refused": no route to host, unreachable, timed out, cannot reach any broker, giving up`), false},
		{fmt.Errorf("sink s: open: %w (not retried: the error is not transient)",
			&pgconn.PgError{Code: "28P01", Message: "password authentication failed"}), false},
		{fmt.Errorf("sink s: open: %w", &pgconn.PgError{Code: "42P01", Message: "relation does not exist"}), false},
		{fmt.Errorf("topic %q on h: %w", "ev", kafkago.TopicAuthorizationFailed), false},
		{fmt.Errorf("topic: %w", kafkago.UnknownTopicOrPartition), false},
		{fmt.Errorf("restoring: %w", context.Canceled), false},
		{fmt.Errorf("view %q is no longer in the catalog", "timeout_view"), false},
		{nil, false},
	} {
		require.Equal(t, tc.want, transientRestoreError(tc.err), "%v", tc.err)
	}
}

// TestRestoreRetryAdoptsRowsOfAnOlderWeir: a view whose restore failed
// with a transient error and was started by a background retry takes over
// the rows an older weir (no identity record) archived under its name, as
// a view restored at once does (TestColdTierAdoptsRowsOfAnOlderWeir): the
// retry record says it was restored from the persisted catalog.
func TestRestoreRetryAdoptsRowsOfAnOlderWeir(t *testing.T) {
	url := coldURL(t)
	ctx := context.Background()
	dir, clock, stderr := coldFixture(t)
	view := fmt.Sprintf("cold_retry_old_%d", time.Now().UnixNano())

	leaveOlderWeirArchive(t, url, dir, clock, stderr, view)

	// The view's restore fails as if its broker were unreachable: it is
	// kept as a failed query (what Restore does) and retried.
	st := openState(t, filepath.Join(dir, "state"))
	t.Cleanup(func() { st.Close() })
	e2 := newColdServer(t, url, clock, stderr, st)
	t.Cleanup(func() { e2.Close() })
	e2.restoreBackoff = [2]time.Duration{time.Millisecond, time.Millisecond}
	stmts, err := sql.Parse(coldScript(dir, "empty.jsonl", view))
	require.NoError(t, err)
	require.Len(t, stmts, 2)
	_, err = e2.Exec(ctx, stmts[0], nil) // the source
	require.NoError(t, err)
	require.True(t, e2.keepFailed(stmts[1], fmt.Errorf("cannot reach any broker: %w", syscall.ECONNREFUSED)))
	qs := e2.Queries()
	require.Len(t, qs, 1)
	select {
	case <-qs[0].Done(): // the retries end: the view runs
	case <-time.After(20 * time.Second):
		t.Fatalf("the view's retry did not end: %s", qs[0].State())
	}
	require.NotNil(t, e2.successorOf(qs[0]), qs[0].State())
	waitQueries(t, e2)
	q := "SELECT window_start, model, n, total FROM " + view
	require.Equal(t, []string{"2026-11-09T10:00:00.000Z | a | 5 | 50"}, coldRead(t, e2, q))
	require.Contains(t, stderr.String(), "weir: cold tier: view "+view+" takes over 1 rows archived by an older weir")
	coldExec(t, e2, "DROP VIEW "+view)
	require.Zero(t, coldCount(t, url, view))
}
