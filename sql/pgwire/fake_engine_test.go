package pgwire

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/sql"
)

// fakeEngine answers a handful of statements:
//   - SELECT * FROM by_model: three typed rows;
//   - SELECT * FROM big: rows n = 1..1000;
//   - echo ...: one row whose "stmt" column is the text the engine received;
//   - SUBSCRIBE TO by_model: a stream fed by the test through feed;
//   - CREATE ... / DROP ...: a command tagged by its first two words, as
//     weir's engine does (TABLE is SOURCE, MATERIALIZED is VIEW);
//   - SELECT ... FROM v: see fakeV;
//   - SELECT * FROM <other>: 42P01; anything else: 42601 at offset 7;
//   - panic: panics.
type fakeEngine struct {
	feed      chan Row // rows of SUBSCRIBE
	mu        sync.Mutex
	seen      []string // statements executed
	described []string // statements described
}

func newFakeEngine() *fakeEngine { return &fakeEngine{feed: make(chan Row)} }

var byModelCols = []Column{
	{"model", catalog.Varchar},
	{"n", catalog.Bigint},
	{"avg_latency", catalog.Double},
	{"window_end", catalog.Timestamp},
	{"ok", catalog.Boolean},
}

// byModelSQL is by_model's query (its Definition).
const byModelSQL = "SELECT model, COUNT(*) AS n, AVG(latency_ms) AS avg_latency, window_end, true AS ok FROM TUMBLE(metrics, ts, INTERVAL '1' MINUTE) GROUP BY window_start, window_end, model"

// 2026-11-09 14:35:00 UTC in Unix milliseconds.
const windowEnd = 1794234900000

var byModelRows = []Row{
	{{S: "gpt"}, {I: 3}, {F: 120.5}, {I: windowEnd}, {B: true}},
	{{S: "claude"}, {I: -7}, {F: 0.25}, {I: windowEnd + 123}, {B: false}},
	{{S: "it's"}, {Null: true}, {Null: true}, {Null: true}, {Null: true}},
}

func (e *fakeEngine) Relations(context.Context) []Relation {
	return []Relation{
		{Name: "metrics", Kind: RelSource, Columns: []Column{{"ts", catalog.Timestamp}, {"model", catalog.Varchar}, {"latency_ms", catalog.Double}}},
		{Name: "by_model", Kind: RelView, Columns: byModelCols, Definition: byModelSQL},
		{Name: "weir_dead_letters", Kind: RelSystemView, Columns: []Column{{"source", catalog.Varchar}, {"reason", catalog.Varchar}}},
	}
}

func (e *fakeEngine) columns(stmt string) ([]Column, error) {
	if cols, _, ok, err := fakeV(stmt); ok {
		return cols, err
	}
	lower := strings.ToLower(stmt)
	switch {
	case lower == "select * from by_model", lower == "subscribe to by_model":
		return byModelCols, nil
	case lower == "select * from big":
		return []Column{{"n", catalog.Bigint}}, nil
	case strings.HasPrefix(lower, "echo"):
		return []Column{{"stmt", catalog.Varchar}}, nil
	case strings.HasPrefix(lower, "create "), strings.HasPrefix(lower, "drop "), lower == "panic":
		return nil, nil
	case strings.HasPrefix(lower, "select * from "):
		return nil, &sql.Error{At: sql.Pos{Offset: 14, Line: 1, Col: 15}, Code: "42P01", Msg: `relation "` + stmt[14:] + `" does not exist`}
	}
	return nil, &sql.Error{At: sql.Pos{Offset: 7, Line: 1, Col: 8}, Code: "42601", Msg: "syntax error: expected FROM"}
}

func (e *fakeEngine) Describe(_ context.Context, _ *Session, stmt string) ([]Column, error) {
	e.mu.Lock()
	e.described = append(e.described, stmt)
	e.mu.Unlock()
	return e.columns(stmt)
}

func (e *fakeEngine) describedStmts() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.described...)
}

func (e *fakeEngine) Execute(_ context.Context, _ *Session, stmt string) (Result, error) {
	e.mu.Lock()
	e.seen = append(e.seen, stmt)
	e.mu.Unlock()
	cols, err := e.columns(stmt)
	if err != nil {
		return nil, err
	}
	if _, rows, ok, _ := fakeV(stmt); ok {
		return &staticResult{cols: cols, rows: rows, tag: "SELECT"}, nil
	}
	lower := strings.ToLower(stmt)
	switch {
	case lower == "panic":
		panic("boom")
	case lower == "select * from by_model":
		return &staticResult{cols: cols, rows: byModelRows, tag: "SELECT"}, nil
	case lower == "select * from big":
		rows := make([]Row, 1000)
		for i := range rows {
			rows[i] = Row{{I: int64(i + 1)}}
		}
		return &staticResult{cols: cols, rows: rows}, nil
	case strings.HasPrefix(lower, "echo"):
		return &staticResult{cols: cols, rows: []Row{{{S: stmt}}}}, nil
	case lower == "subscribe to by_model":
		return &streamResult{feed: e.feed}, nil
	}
	// Tagged as weir's engine tags them: by the kind of object, TABLE
	// being a source and MATERIALIZED VIEW a view.
	w := strings.Fields(strings.ToUpper(stmt))
	if len(w) >= 2 {
		switch w[1] {
		case "TABLE":
			w[1] = "SOURCE"
		case "MATERIALIZED":
			w[1] = "VIEW"
		}
	}
	return command(strings.Join(w[:min(2, len(w))], " ")), nil
}

func (e *fakeEngine) executed() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

// streamResult is a never-ending result fed by a channel.
type streamResult struct {
	feed <-chan Row
	row  Row
}

func (r *streamResult) Columns() []Column { return byModelCols }
func (r *streamResult) Next(ctx context.Context) (Row, bool, error) {
	select {
	case row := <-r.feed:
		r.row = row
		return r.row, true, nil
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}
func (r *streamResult) Tag() string     { return "SUBSCRIBE" }
func (r *streamResult) Close() error    { return nil }
func (r *streamResult) Streaming() bool { return true }

var (
	_ Engine    = (*fakeEngine)(nil)
	_ Cataloger = (*fakeEngine)(nil)
	_ Streamer  = (*streamResult)(nil)
)

// testServer runs a Server on a loopback port; it is closed (and its
// goroutines checked to have ended) when the test ends.
type testServer struct {
	srv  *Server
	eng  *fakeEngine
	addr string
	port string
}

func startServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	eng := newFakeEngine()
	srv := NewServer(cfg, eng)
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
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return &testServer{srv: srv, eng: eng, addr: ln.Addr().String(), port: port}
}

func (ts *testServer) url(user string) string {
	return "postgres://" + user + "@" + ts.addr + "/weir?sslmode=disable"
}
