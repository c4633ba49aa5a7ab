package file

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
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

// readDeadline bounds how long a test waits for rows that must arrive.
const readDeadline = 10 * time.Second

// syncBuffer is a warning log safe to read while the source writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// take returns what was written since the last take.
func (b *syncBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

// followEnv is the state of one testdata/follow file: a directory holding
// the tailed file "log", the source (follow = 'true', 1 ms poll) and the
// last snapshot.
type followEnv struct {
	dir      string
	src      *Source
	dead     *collector
	printed  int // dead letters already printed
	warn     *syncBuffer
	snap     []byte
	snapOff  int64
	snapLine int64
}

// TestFollowFile runs testdata/follow. Commands:
//
//	append [file=log] from=N to=M [nonl]  lines N..M-1 as writeLines writes them
//	                                      (tokens = i, ts = i s); nonl: no newline after the last
//	append [file=log] [nonl]              the input, then a newline unless nonl
//	truncate [file=log]                   truncate to 0 bytes
//	rename [from=log] to=NAME             rename, as logrotate does
//	remove [file=log]
//	at-eof                                run the input's commands (one a line) once the source
//	                                      next reaches the end of its file, before it looks at the path
//	open [restore=v2|v1|after-open]       a new source; restore the last snapshot before Open
//	                                      (v2, or re-encoded as a version 1 checkpoint), or after
//	                                      Open as the runtime does
//	read rows=N                           Read until N rows arrived (N = 0: three Reads, all empty)
//	snapshot                              save and print the checkpoint position
//	close
//
// Every command prints the warnings logged and dead letters sent since the
// previous one; paths print with the directory as $DIR.
func TestFollowFile(t *testing.T) {
	datadriven.Walk(t, "testdata/follow", func(t *testing.T, path string) {
		e := &followEnv{dir: t.TempDir(), warn: &syncBuffer{}}
		t.Cleanup(func() {
			if e.src != nil {
				_ = e.src.Close()
			}
		})
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			var out strings.Builder
			e.run(t, td.Cmd, td.CmdArgs, td.Input, &out)
			e.report(&out)
			if out.Len() == 0 {
				return "ok"
			}
			return strings.TrimSuffix(out.String(), "\n")
		})
	})
}

func (e *followEnv) file(t *testing.T, args []datadriven.CmdArg, key string) string {
	for _, a := range args {
		if a.Key == key {
			return filepath.Join(e.dir, a.SingleVal(t))
		}
	}
	return filepath.Join(e.dir, "log")
}

func intArg(t *testing.T, args []datadriven.CmdArg, key string) (int, bool) {
	for _, a := range args {
		if a.Key == key {
			var n int
			_, err := fmt.Sscan(a.SingleVal(t), &n)
			require.NoError(t, err)
			return n, true
		}
	}
	return 0, false
}

func hasArg(args []datadriven.CmdArg, key string) bool {
	for _, a := range args {
		if a.Key == key {
			return true
		}
	}
	return false
}

func (e *followEnv) run(t *testing.T, cmd string, args []datadriven.CmdArg, input string, out *strings.Builder) {
	switch cmd {
	case "append":
		path := e.file(t, args, "file")
		if from, ok := intArg(t, args, "from"); ok {
			to, ok := intArg(t, args, "to")
			require.True(t, ok, "append from=N needs to=M")
			writeLines(t, path, from, to, !hasArg(args, "nonl"))
			return
		}
		if !hasArg(args, "nonl") {
			input += "\n"
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		require.NoError(t, err)
		_, err = f.WriteString(input)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	case "truncate":
		require.NoError(t, os.Truncate(e.file(t, args, "file"), 0))
	case "rename":
		require.NoError(t, os.Rename(e.file(t, args, "from"), e.file(t, args, "to")))
	case "remove":
		require.NoError(t, os.Remove(e.file(t, args, "file")))
	case "at-eof":
		e.src.atEOF = func() {
			for _, l := range strings.Split(strings.TrimSpace(input), "\n") {
				c, a, err := datadriven.ParseLine(l)
				require.NoError(t, err)
				e.run(t, c, a, "", out)
			}
		}
	case "open":
		e.open(t, args)
	case "read":
		n, ok := intArg(t, args, "rows")
		require.True(t, ok, "read needs rows=N")
		e.read(t, n, out)
	case "snapshot":
		var buf bytes.Buffer
		require.NoError(t, e.src.Snapshot(&buf))
		e.snap = buf.Bytes()
		e.snapOff, e.snapLine = e.src.Position()
		fmt.Fprintf(out, "offset=%d line=%d\n", e.snapOff, e.snapLine)
	case "close":
		require.NoError(t, e.src.Close())
		e.src = nil
	default:
		t.Fatalf("unknown command %q", cmd)
	}
}

func (e *followEnv) open(t *testing.T, args []datadriven.CmdArg) {
	if e.src != nil {
		require.NoError(t, e.src.Close())
	}
	def := &catalog.Source{Name: "metrics", Schema: metricsSchema, Connector: "file",
		Options:   catalog.Options{"path": filepath.Join(e.dir, "log"), "follow": "true"},
		Watermark: &catalog.Watermark{Column: "ts", DelayMs: 1000}}
	src, err := New(def)
	require.NoError(t, err)
	s := src.(*Source)
	s.poll = time.Millisecond
	s.SetWarningLog(e.warn)
	e.dead = &collector{}
	e.printed = 0
	ctx := &operators.Context{Ctx: context.Background(), Clock: fixedClock{time.UnixMilli(1000)}, DeadLetters: e.dead}
	mode := ""
	for _, a := range args {
		if a.Key == "restore" {
			mode = a.SingleVal(t)
		}
	}
	snap := e.snap
	if mode == "v1" {
		snap = []byte{checkpointV1}
		snap = binary.AppendUvarint(snap, uint64(e.snapOff))
		snap = binary.AppendUvarint(snap, uint64(e.snapLine))
	}
	if mode == "v1" || mode == "v2" {
		require.NoError(t, s.Restore(bytes.NewReader(snap)))
	}
	require.NoError(t, s.Open(ctx))
	if mode == "after-open" {
		require.NoError(t, s.Restore(bytes.NewReader(snap)))
	}
	e.src = s
}

// read calls Read until n rows arrived (failing after readDeadline), or
// three times when n is 0, and prints the rows.
func (e *followEnv) read(t *testing.T, n int, out *strings.Builder) {
	b := coldata.NewBatch(e.src.Schema(), 0)
	deadline := time.Now().Add(readDeadline)
	got, calls := 0, 0
	for (n == 0 && calls < 3) || (n > 0 && got < n) {
		if time.Now().After(deadline) {
			t.Fatalf("read: %d of %d rows after %v:\n%s", got, n, readDeadline, out.String())
		}
		require.NoError(t, e.src.Read(context.Background(), b))
		calls++
		for i := 0; i < b.Len; i++ {
			fmt.Fprintf(out, "line %d: %s\n", b.Offset[i], row(b, i))
		}
		got += b.Len
	}
	if n == 0 && got == 0 {
		out.WriteString("no rows\n")
	}
}

// report prints the warnings and dead letters that arrived since the last
// report.
func (e *followEnv) report(out *strings.Builder) {
	for _, l := range strings.SplitAfter(e.warn.take(), "\n") {
		if l != "" {
			out.WriteString("warning: " + strings.ReplaceAll(l, e.dir, "$DIR"))
		}
	}
	if e.dead == nil {
		return
	}
	e.dead.mu.Lock()
	defer e.dead.mu.Unlock()
	for _, d := range e.dead.dead[e.printed:] {
		out.WriteString(d + "\n")
	}
	e.printed = len(e.dead.dead)
}

// TestFollowRotationWhileWriting rotates the file 20 times while a reader
// goroutine tails it. Each round the writer appends 25 lines, waits for the
// reader to have them, appends 25 more and at once renames the file away
// and creates a new one, so the last lines of every file land while the
// reader may be anywhere: between a read and its look at the path included.
// Every line must arrive exactly once, in order, numbered within its file.
func TestFollowRotationWhileWriting(t *testing.T) {
	const rounds, perFile = 20, 50
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	require.NoError(t, os.WriteFile(path, nil, 0o644))
	src, _, _ := newSource(t, path, catalog.Options{"follow": "true"})
	src.poll = time.Millisecond
	warn := &syncBuffer{}
	src.SetWarningLog(warn)

	type got struct{ token, line int64 }
	rows := make(chan got, rounds*perFile+1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		b := coldata.NewBatch(src.Schema(), 0)
		for {
			if err := src.Read(ctx, b); err != nil {
				done <- err
				return
			}
			for i := 0; i < b.Len; i++ {
				rows <- got{b.Cols[2].I64[i], b.Offset[i]}
			}
		}
	}()
	defer func() {
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	}()

	var next int64
	deadline := time.After(readDeadline)
	waitFor := func(upTo int64) {
		for next < upTo {
			select {
			case r := <-rows:
				require.Equal(t, next, r.token, "lines lost, repeated or out of order")
				require.Equal(t, next%perFile+1, r.line, "line number within the file")
				next++
			case <-deadline:
				t.Fatalf("only %d of %d lines after %v", next, upTo, readDeadline)
			}
		}
	}
	for r := 0; r < rounds; r++ {
		first := r * perFile
		writeLines(t, path, first, first+perFile/2, true)
		waitFor(int64(first + perFile/2))
		writeLines(t, path, first+perFile/2, first+perFile, true)
		require.NoError(t, os.Rename(path, filepath.Join(dir, fmt.Sprintf("log.%d", r))))
		require.NoError(t, os.WriteFile(path, nil, 0o644))
	}
	waitFor(rounds * perFile)
	select {
	case r := <-rows:
		t.Fatalf("unexpected extra row %+v", r)
	default:
	}
}

// TestRestoreV1Checkpoint: a checkpoint written before file identities were
// recorded (version 1: offset, line) still resumes where it says.
func TestRestoreV1Checkpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	writeLines(t, path, 0, 5, true)
	// Lines 0..2 are 33 + 36 + 36 = 105 bytes (see testdata/follow).
	v1 := []byte{checkpointV1}
	v1 = binary.AppendUvarint(v1, 105)
	v1 = binary.AppendUvarint(v1, 3)
	src, _, _ := newSource(t, path, nil)
	src.SetWarningLog(nil)
	require.NoError(t, src.Restore(bytes.NewReader(v1)))
	off, line := src.Position()
	require.Equal(t, []int64{105, 3}, []int64{off, line})
	tokens, _ := readAll(t, src)
	require.Equal(t, []int64{3, 4}, tokens)

	for _, bad := range [][]byte{{checkpointV1, 0x80}, {checkpointVersion, 1, 1, 1}, {7}} {
		require.Error(t, src.Restore(bytes.NewReader(bad)), "%x", bad)
	}
}
