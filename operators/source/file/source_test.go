package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

type collector struct {
	mu   sync.Mutex
	dead []string
}

func (c *collector) DeadLetter(d *operators.DeadLetter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dead = append(c.dead, fmt.Sprintf("dead letter: source=%s partition=%d line=%d reason=%s time=%d detail=%q payload=%q",
		d.Source, d.Partition, d.Offset, d.Reason, d.TimeMs, d.Detail, d.Payload))
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var metricsSchema = catalog.Schema{
	{Name: "ts", Type: catalog.Timestamp},
	{Name: "model", Type: catalog.Varchar},
	{Name: "tokens", Type: catalog.Bigint},
}

func newSource(t testing.TB, path string, opts catalog.Options) (*Source, *collector, *operators.Context) {
	if opts == nil {
		opts = catalog.Options{}
	}
	opts["path"] = path
	def := &catalog.Source{Name: "metrics", Schema: metricsSchema, Connector: "file", Options: opts,
		Watermark: &catalog.Watermark{Column: "ts", DelayMs: 1000}}
	src, err := New(def)
	require.NoError(t, err)
	c := &collector{}
	ctx := &operators.Context{Ctx: context.Background(), Clock: fixedClock{time.UnixMilli(1000)}, DeadLetters: c, Counters: &operators.Counters{}}
	require.NoError(t, src.Open(ctx))
	t.Cleanup(func() { _ = src.Close() })
	return src.(*Source), c, ctx
}

// TestFileSource runs testdata/source: "read [file=NAME]" reads the named
// testdata file (or the directive's input written to a temporary file) to
// the end and prints every batch, row and dead letter.
func TestFileSource(t *testing.T) {
	datadriven.RunTest(t, "testdata/source", func(t *testing.T, td *datadriven.TestData) string {
		require.Equal(t, "read", td.Cmd)
		path := filepath.Join(t.TempDir(), "in.jsonl")
		if td.HasArg("file") {
			var name string
			td.ScanArgs(t, "file", &name)
			path = filepath.Join("testdata", name)
		} else {
			require.NoError(t, os.WriteFile(path, []byte(td.Input), 0o644))
		}
		src, c, ctx := newSource(t, path, nil)
		var out strings.Builder
		b := coldata.NewBatch(src.Schema(), 0)
		for {
			err := src.Read(context.Background(), b)
			if errors.Is(err, io.EOF) {
				out.WriteString("EOF\n")
				break
			}
			require.NoError(t, err)
			fmt.Fprintf(&out, "batch source=%s partition=%d rows=%d\n", b.Source, b.Partition, b.Len)
			for i := 0; i < b.Len; i++ {
				fmt.Fprintf(&out, "  line %d: %s | raw=%s\n", b.Offset[i], row(b, i), b.Raw[i])
			}
		}
		for _, d := range c.dead {
			out.WriteString(d + "\n")
		}
		fmt.Fprintf(&out, "dead letters counted: %d", ctx.Counters.DeadLetters.Load())
		return out.String()
	})
}

func row(b *coldata.Batch, i int) string {
	var parts []string
	for c, v := range b.Cols {
		if v.Nulls.IsNull(i) {
			parts = append(parts, "NULL")
			continue
		}
		switch v.Type {
		case catalog.Timestamp:
			parts = append(parts, time.UnixMilli(v.I64[i]).UTC().Format(time.RFC3339Nano))
		case catalog.Bigint:
			parts = append(parts, fmt.Sprint(v.I64[i]))
		case catalog.Varchar:
			parts = append(parts, v.Str[i])
		default:
			t := metricsSchema[c].Type
			parts = append(parts, t.String())
		}
	}
	return strings.Join(parts, " ")
}

func writeLines(t testing.TB, path string, from, to int, newline bool) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	defer f.Close()
	for i := from; i < to; i++ {
		fmt.Fprintf(f, `{"ts":%d,"model":"m%d","tokens":%d}`, i*1000, i%3, i)
		if newline || i < to-1 {
			f.WriteString("\n")
		}
	}
}

// readAll reads to EOF and returns the tokens column (= the line's index).
func readAll(t *testing.T, src *Source) (tokens []int64, batchSizes []int) {
	b := coldata.NewBatch(src.Schema(), 0)
	for {
		err := src.Read(context.Background(), b)
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err)
		batchSizes = append(batchSizes, b.Len)
		for i := 0; i < b.Len; i++ {
			require.Equal(t, b.Cols[2].I64[i]+1, b.Offset[i])
			tokens = append(tokens, b.Cols[2].I64[i])
		}
	}
}

func TestBatchingAndCRLF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.jsonl")
	writeLines(t, path, 0, 5000, false)
	src, _, _ := newSource(t, path, nil)
	tokens, sizes := readAll(t, src)
	require.Equal(t, []int{2048, 2048, 904}, sizes)
	require.Len(t, tokens, 5000)
	require.Equal(t, int64(4999), tokens[4999])

	crlf := filepath.Join(t.TempDir(), "crlf.jsonl")
	require.NoError(t, os.WriteFile(crlf, []byte("{\"ts\":1,\"tokens\":0}\r\n\r\n{\"ts\":2,\"tokens\":2}\r\n"), 0o644))
	src, c, _ := newSource(t, crlf, nil)
	tokens, _ = readAll(t, src)
	require.Equal(t, []int64{0, 2}, tokens)
	require.Empty(t, c.dead)
}

func TestLongLineIsDeadLettered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.jsonl")
	var buf bytes.Buffer
	buf.WriteString(`{"ts":0,"tokens":0}` + "\n")
	buf.WriteString(`{"ts":1,"model":"` + strings.Repeat("x", maxLineBytes+10) + `"}` + "\n")
	buf.WriteString(`{"ts":2,"tokens":2}` + "\n")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	src, c, _ := newSource(t, path, nil)
	tokens, _ := readAll(t, src)
	require.Equal(t, []int64{0, 2}, tokens)
	require.Len(t, c.dead, 1)
	require.Contains(t, c.dead[0], "line=2 reason=malformed")
	require.Contains(t, c.dead[0], `detail="line longer than 16777216 bytes"`)
}

// TestErrorMessages: errors name the source once (the runtime adds "source
// s: " to those of Read) and the path, with the OS's reason, and carry no
// internal package prefix.
func TestErrorMessages(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "absent.jsonl")
	src, err := New(&catalog.Source{Name: "s", Schema: metricsSchema, Options: catalog.Options{"path": missing}})
	require.NoError(t, err)
	require.EqualError(t, src.Open(&operators.Context{}), `source "s": data file "`+missing+`" does not exist`)

	src, err = New(&catalog.Source{Name: "s", Schema: metricsSchema, Options: catalog.Options{"path": dir}})
	require.NoError(t, err)
	require.EqualError(t, src.Open(&operators.Context{}), `source "s": data file "`+dir+`" is a directory, expected a JSON-lines file`)

	_, err = New(&catalog.Source{Name: "s", Schema: metricsSchema, Options: catalog.Options{}})
	require.EqualError(t, err, `source "s": option path is required`)
}

func TestCheckpointResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	writeLines(t, path, 0, 5000, true)
	src, _, _ := newSource(t, path, nil)
	b := coldata.NewBatch(src.Schema(), 0)
	require.NoError(t, src.Read(context.Background(), b))
	require.Equal(t, 2048, b.Len)
	var snap bytes.Buffer
	require.NoError(t, src.Snapshot(&snap))
	off, line := src.Position()
	require.Equal(t, int64(2048), line)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, 2048, bytes.Count(data[:off], []byte("\n")))

	// A restarted source, restored before Open, resumes at line 2049.
	def := &catalog.Source{Name: "metrics", Schema: metricsSchema, Options: catalog.Options{"path": path},
		Watermark: &catalog.Watermark{Column: "ts"}}
	s2, err := New(def)
	require.NoError(t, err)
	require.NoError(t, s2.(operators.Checkpointer).Restore(bytes.NewReader(snap.Bytes())))
	require.NoError(t, s2.Open(&operators.Context{Ctx: context.Background()}))
	defer s2.Close()
	tokens, _ := readAll(t, s2.(*Source))
	require.Len(t, tokens, 5000-2048)
	require.Equal(t, int64(2048), tokens[0])

	require.Error(t, s2.(operators.Checkpointer).Restore(bytes.NewReader([]byte{9})))
}

func TestFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tail.jsonl")
	writeLines(t, path, 0, 3, false) // the third line has no newline yet
	src, _, _ := newSource(t, path, catalog.Options{"follow": "true"})
	src.poll = time.Millisecond
	ctx := context.Background()
	b := coldata.NewBatch(src.Schema(), 0)

	require.NoError(t, src.Read(ctx, b))
	require.Equal(t, 2, b.Len) // the incomplete line is held back
	require.NoError(t, src.Read(ctx, b))
	require.Equal(t, 0, b.Len) // nothing new: an empty batch, never io.EOF

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	_, err = f.WriteString("\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	writeLines(t, path, 3, 5, true)

	var got []int64
	for len(got) < 3 {
		require.NoError(t, src.Read(ctx, b))
		for i := 0; i < b.Len; i++ {
			got = append(got, b.Offset[i])
		}
	}
	require.Equal(t, []int64{3, 4, 5}, got)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, src.Read(cctx, b), context.Canceled)
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		opts catalog.Options
		want string
	}{
		{catalog.Options{}, "option path is required"},
		{catalog.Options{"path": "x", "follow": "yes"}, "option follow must be"},
		{catalog.Options{"path": "x", "format": "csv"}, `unsupported format "csv"`},
	} {
		_, err := New(&catalog.Source{Name: "s", Schema: metricsSchema, Options: tc.opts})
		require.ErrorContains(t, err, tc.want)
	}
	_, err := New(&catalog.Source{Name: "s", Schema: metricsSchema, Options: catalog.Options{"path": "x"},
		Watermark: &catalog.Watermark{Column: "nope"}})
	require.ErrorContains(t, err, `watermark column "nope"`)
	src, err := New(&catalog.Source{Name: "s", Schema: metricsSchema, Options: catalog.Options{"path": "/does/not/exist"}})
	require.NoError(t, err)
	require.Error(t, src.Open(&operators.Context{}))
}
