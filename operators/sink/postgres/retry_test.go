package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// fakeBackoff is an injected retry clock: each wait is recorded and moves
// the clock on by its length, at once. onSleep, when set, runs at the n-th
// wait (1-based).
type fakeBackoff struct {
	now     time.Time
	waits   []time.Duration
	onSleep func(n int)
}

func (f *fakeBackoff) install(s *Sink) {
	f.now = time.Date(2026, 11, 9, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return f.now }
	s.sleep = func(_ context.Context, d time.Duration) error {
		f.waits = append(f.waits, d)
		f.now = f.now.Add(d)
		if f.onSleep != nil {
			f.onSleep(len(f.waits))
		}
		return nil
	}
}

// TestRetryBackoffIsBoundedAndReported: against a closed port, a commit
// retries under DefaultRetry — waits of 100 ms doubling to the 5 s cap,
// the last one cut to end exactly 2 minutes after the first failure — and
// then fails naming the sink. Warnings go out at most every 10 s.
func TestRetryBackoffIsBoundedAndReported(t *testing.T) {
	op, err := New(&catalog.Sink{Name: "down", Options: catalog.Options{
		"url": "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", "table": "t"}}, resultSchema, nil)
	require.NoError(t, err)
	s := op.(*Sink)
	var log bytes.Buffer
	s.SetErrorLog(&log)
	var fb fakeBackoff
	fb.install(s)
	// The commit is tried without Open (which has its own, shorter bound,
	// checked below): it connects itself.
	s.ctx = context.Background()
	require.NoError(t, s.Process(batch(row{0, 60_000, str("a"), 1, 1, coldata.EmitFinal}), none))
	err = s.OnWatermark(60_000, none)

	// 0.1+0.2+0.4+0.8+1.6+3.2 = 6.3 s, then 22 waits of 5 s (116.3 s),
	// then 3.7 s to reach 120 s: 29 waits, and the 30th failure gives up.
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond}
	for range 22 {
		want = append(want, 5*time.Second)
	}
	want = append(want, 3700*time.Millisecond)
	require.Equal(t, want, fb.waits)
	require.ErrorContains(t, err, "sink down: commit failed for 2m0s (29 retries), giving up: ")
	require.ErrorContains(t, err, "connection refused")
	require.NotContains(t, err.Error(), "postgres:")

	// Failures at 0, 0.1, 0.3, 0.7, 1.5, 3.1, 6.3, 11.3, 16.3, ... 116.3 s:
	// reported at 0 and then at 11.3, 21.3, ..., 111.3 s (each ≥ 10 s after
	// the previous report): 12 lines; the second counts the 6 failures in
	// between, the later ones the one failure 5 s after each report.
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	require.Len(t, lines, 12)
	require.True(t, strings.HasPrefix(lines[0], "weir: sink down: commit failed, retrying in 100ms: "), lines[0])
	require.True(t, strings.HasPrefix(lines[1], "weir: sink down: commit failed, retrying in 5s (6 more failures since the last report): "), lines[1])
	require.True(t, strings.HasPrefix(lines[2], "weir: sink down: commit failed, retrying in 5s (1 more failures since the last report): "), lines[2])
	require.Equal(t, 1, s.buf.n, "the rows stay buffered")

	// Open gives up after 10 s: 0.1+0.2+0.4+0.8+1.6+3.2 = 6.3 s, then
	// 3.7 s to reach 10 s.
	fb.waits = nil
	log.Reset()
	err = s.Open(&operators.Context{})
	require.Equal(t, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond, 3700 * time.Millisecond}, fb.waits)
	require.ErrorContains(t, err, "sink down: open failed for 10s (7 retries), giving up: ")
}

// TestTransientErrors: which failures are retried.
func TestTransientErrors(t *testing.T) {
	for code, want := range map[string]bool{
		"40001": true, "40P01": true, "57P01": true, "57P02": true, "57P03": true, "53300": true, "08006": true, "08001": true,
		"42P01": false, "42804": false, "22P02": false, "22003": false, "23505": false, "28P01": false, "3D000": false, "53100": false,
	} {
		require.Equal(t, want, transient(fmt.Errorf("commit: %w", &pgconn.PgError{Code: code})), code)
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.OpError{Err: syscall.ECONNREFUSED}}
	require.True(t, transient(refused))
	require.True(t, transient(fmt.Errorf("read: %w", syscall.ECONNRESET)))
	require.True(t, transient(io.ErrUnexpectedEOF))
	require.False(t, transient(context.Canceled))
	require.False(t, transient(context.DeadlineExceeded))
	require.False(t, transient(errors.New("something else")))
}

// TestPermanentErrorIsNotRetried: a table whose column has another type
// fails the commit at once (SQLSTATE class 42): no wait, no warning.
func TestPermanentErrorIsNotRetried(t *testing.T) {
	u := testURL(t)
	table := uniqueTable(t, u)
	conn, err := pgx.Connect(context.Background(), u)
	require.NoError(t, err)
	_, err = conn.Exec(context.Background(), "CREATE TABLE "+ident(table)+" (window_start timestamptz, window_end timestamptz, model text, n boolean, avg_ms double precision, ok boolean, _emit text)")
	require.NoError(t, err)
	conn.Close(context.Background())
	s := newSink(t, u, table)
	var log bytes.Buffer
	s.SetErrorLog(&log)
	var fb fakeBackoff
	fb.install(s)
	require.NoError(t, s.Open(&operators.Context{}))
	require.NoError(t, s.Process(batch(row{0, 60_000, str("a"), 1, 1, coldata.EmitFinal}), none))
	err = s.OnWatermark(60_000, none)
	require.ErrorContains(t, err, "sink "+table+": commit: ERROR: column \"n\" is of type boolean but expression is of type bigint (SQLSTATE 42804)")
	require.Empty(t, fb.waits)
	require.Empty(t, log.String())
	s.buf.reset()
	require.NoError(t, s.Close())
}

// proxy forwards TCP connections to target; while down it closes every
// connection it accepts, and breaking it closes the live ones.
type proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() {
		ln.Close()
		p.setDown(true)
	})
	go p.serve()
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

// setDown closes the live connections and refuses new ones (down), or
// lets new ones through.
func (p *proxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

// TestRetryThroughConnLoss: the connection breaks and the
// server is unreachable for the first three attempts; the commit succeeds
// on the fourth, after waits of 100, 200 and 400 ms, and the rows are in
// the table. One warning names the sink and the error; one line reports
// the recovery.
func TestRetryThroughConnLoss(t *testing.T) {
	u := testURL(t)
	table := uniqueTable(t, u)
	pu, err := url.Parse(u)
	require.NoError(t, err)
	target := pu.Host
	if pu.Port() == "" {
		target = net.JoinHostPort(pu.Hostname(), "5432")
	}
	px := newProxy(t, target)
	pu.Host = px.ln.Addr().String()

	s := newSink(t, pu.String(), table)
	var log bytes.Buffer
	s.SetErrorLog(&log)
	var fb fakeBackoff
	fb.install(s)
	require.NoError(t, s.Open(&operators.Context{}))
	require.NoError(t, s.Process(batch(row{0, 60_000, str("a"), 1, 1, coldata.EmitFinal}), none))

	px.setDown(true)
	fb.onSleep = func(n int) {
		if n == 3 {
			px.setDown(false)
		}
	}
	require.NoError(t, s.OnWatermark(60_000, none))
	require.Equal(t, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}, fb.waits)
	require.Equal(t, []string{"0 60 a n=1 avg=1 ok=false final"}, dump(t, u, table))
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	require.Len(t, lines, 2, log.String())
	require.True(t, strings.HasPrefix(lines[0], "weir: sink "+table+": commit failed, retrying in 100ms: "), lines[0])
	require.Equal(t, "weir: sink "+table+": commit succeeded after 3 retries", lines[1])
	require.NoError(t, s.Close())
}

// TestLongTableName: a table name so long that <table>_weir_upsert would
// be cut to the table's own name gets an index all the same (a shortened
// name with a hash), so the upsert works.
func TestLongTableName(t *testing.T) {
	long := strings.Repeat("t", 60)
	require.Equal(t, "results_weir_upsert", indexName("public.results"))
	name := indexName(long)
	require.Len(t, name, 63)
	require.True(t, strings.HasSuffix(name, "_weir_upsert"), name)
	require.NotEqual(t, name, indexName(long+"x"))
	require.Len(t, indexName("a"+strings.Repeat("é", 40)), 62, "cut at a character boundary")

	u := testURL(t)
	table := uniqueTable(t, u) + "_" + strings.Repeat("x", 20)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), u)
		if err == nil {
			conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+ident(table))
			conn.Close(context.Background())
		}
	})
	require.Greater(t, len(table), 63-len("_weir_upsert"))
	table = table[:63] // PostgreSQL keeps 63 bytes of the table name too
	s := newSink(t, u, table)
	require.NoError(t, s.Open(&operators.Context{}))
	require.NoError(t, s.Process(batch(row{0, 60_000, str("a"), 1, 1, coldata.EmitFinal}), none))
	require.NoError(t, s.OnWatermark(60_000, none))
	require.NoError(t, s.Process(batch(row{0, 60_000, str("a"), 2, 1, coldata.EmitLate}), none))
	require.NoError(t, s.Close())
	require.Equal(t, []string{"0 60 a n=2 avg=1 ok=true late"}, dump(t, u, table))
}
