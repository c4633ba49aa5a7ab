package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A sink that fails for good in weir serve is reported on the server's
// stderr — one line naming the query, the sink and the error — as well as
// in SHOW QUERIES, whose rows_out counts no row the sink never wrote.
func TestServeReportsFailedSinkOnStderr(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "denied"))
	require.NoError(t, err)
	defer c.Close()
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "denied", Err: kerr.TopicAuthorizationFailed, Count: -1})

	dir := t.TempDir()
	data := filepath.Join(dir, "events.jsonl")
	appendJSONL(t, data, `{"ts":"2026-11-09T10:00:10Z","k":"a"}`, `{"ts":"2026-11-09T10:00:20Z","k":"b"}`,
		`{"ts":"2026-11-09T10:01:10Z","k":"a"}`)
	srv := startServe(t, filepath.Join(dir, "state"))
	conn := srv.connect(t)
	ctx := context.Background()
	_, err = conn.Exec(ctx, fmt.Sprintf(`CREATE SOURCE sb (ts TIMESTAMP, k VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
	  WITH (connector = 'file', path = '%s')`, data))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, fmt.Sprintf(`CREATE SINK badsink AS SELECT window_start, k, COUNT(*) AS n FROM TUMBLE(sb, ts, INTERVAL '1' MINUTE)
	  GROUP BY window_start, k WITH (connector = 'kafka', topic = 'denied', brokers = '%s')`, c.ListenAddrs()[0]))
	require.NoError(t, err)

	// The stderr line is the event: wait for it.
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(srv.stderr.String(), "(sink badsink) failed:") && time.Now().Before(deadline) {
		<-time.After(10 * time.Millisecond)
	}
	var line string
	for _, l := range strings.Split(srv.stderr.String(), "\n") {
		if strings.Contains(l, "(sink badsink) failed:") {
			line = l
		}
	}
	// [10:00,10:01) closes first, with the rows of a and b.
	const why = `sink badsink: writing 2 messages to topic "denied": [29] Topic Authorization Failed: the client is not authorized to access the requested topic: TOPIC_AUTHORIZATION_FAILED`
	require.Equal(t, "weir: query q1 (sink badsink) failed: "+why, line, srv.stderr.String())
	require.Equal(t, []string{"q1 | failed: " + why + " | 0"},
		showQueries(t, conn))
}

// showQueries renders SHOW QUERIES' id, state and rows_out columns.
func showQueries(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SHOW QUERIES", pgx.QueryExecModeSimpleProtocol)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		m, err := pgx.RowToMap(rows)
		require.NoError(t, err)
		out = append(out, fmt.Sprintf("%v | %v | %v", m["id"], m["state"], m["rows_out"]))
	}
	require.NoError(t, rows.Err())
	return out
}
