package pgwire

import (
	"context"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// multiLineEngine is the fake engine with one more view, v3, whose query
// was written over several lines with CRLF line ends and a comment, as
// `psql -f` sends a script saved on Windows.
type multiLineEngine struct{ *fakeEngine }

const v3Query = "SELECT window_start, window_end, model,\r\n       COUNT(*) AS n -- per model\r\nFROM TUMBLE(metrics, ts, INTERVAL '5' MINUTE)\r\nGROUP BY window_start, window_end, model\r\n"

func (e multiLineEngine) Relations(ctx context.Context) []Relation {
	return append(e.fakeEngine.Relations(ctx), Relation{Name: "v3", Kind: RelView, Columns: byModelCols[:2], Definition: v3Query})
}

// TestViewDefinition: every catalog that shows a view's definition shows
// the whole query as written, with \n line ends and a final ';' as
// PostgreSQL's pg_get_viewdef; NULL for a view without one.
func TestViewDefinition(t *testing.T) {
	srv := NewServer(Config{}, multiLineEngine{newFakeEngine()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		select {
		case err := <-done:
			require.ErrorIs(t, err, ErrServerClosed)
		case <-time.After(10 * time.Second):
			t.Fatal("Serve did not return after Close")
		}
	})
	conn := connectPgx(t, "postgres://x@"+ln.Addr().String()+"/weir?sslmode=disable")
	ctx := context.Background()

	const want = "SELECT window_start, window_end, model,\n       COUNT(*) AS n -- per model\nFROM TUMBLE(metrics, ts, INTERVAL '5' MINUTE)\nGROUP BY window_start, window_end, model;"
	for _, q := range []string{
		"SELECT definition FROM pg_matviews WHERE matviewname = 'v3'",
		"SELECT view_definition FROM information_schema.views WHERE table_name = 'v3'",
		"SELECT pg_get_viewdef('public.v3')",
	} {
		t.Run(q, func(t *testing.T) {
			var def *string
			require.NoError(t, conn.QueryRow(ctx, q).Scan(&def))
			require.NotNil(t, def)
			require.Equal(t, want, *def)
		})
	}
	var def *string
	require.NoError(t, conn.QueryRow(ctx, "SELECT view_definition FROM information_schema.views WHERE table_name = 'weir_dead_letters'").Scan(&def))
	require.Nil(t, def)
	rows, err := conn.Query(ctx, "SELECT matviewname FROM pg_matviews ORDER BY matviewname")
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"by_model", "v3"}, names)

	// psql's \d+ asks pg_get_viewdef by oid.
	bin, err := exec.LookPath("psql")
	if err != nil {
		t.Log("psql is not on PATH; skipping \\d+")
		return
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, bin, "host=127.0.0.1 port="+port+" user=x dbname=weir sslmode=disable", "-X", "-c", `\d+ v3`)
	cmd.Env = append(os.Environ(), "PAGER=", "PSQL_PAGER=", "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "View definition:\n"+want+"\n")
}
