package deadletter

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/operators"
)

func TestFileFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dlq.jsonl")
	f, err := NewFile(path, false)
	require.NoError(t, err)
	// 1767225600000 ms is 2026-01-01T00:00:00Z.
	f.DeadLetter(&operators.DeadLetter{Source: "metrics", Partition: 0, Offset: 3, Reason: operators.ReasonMalformed,
		Detail: `column "tokens": expected BIGINT, got string`, Payload: []byte(`{"tokens":"x"}`), TimeMs: 1767225600000})
	f.DeadLetter(&operators.DeadLetter{Source: "clicks", Partition: 2, Offset: 1234, Reason: operators.ReasonTooLate,
		Payload: []byte("bad\xffbyte\n"), TimeMs: 1767225601250})
	got, err := os.ReadFile(path) // written through before Close
	require.NoError(t, err)
	want := `{"time":"2026-01-01T00:00:00.000Z","source":"metrics","partition":0,"offset":3,"reason":"malformed","detail":"column \"tokens\": expected BIGINT, got string","payload":"{\"tokens\":\"x\"}"}` + "\n" +
		`{"time":"2026-01-01T00:00:01.250Z","source":"clicks","partition":2,"offset":1234,"reason":"too_late","detail":"","payload":"bad\ufffdbyte\n"}` + "\n"
	require.Equal(t, want, string(got))
	require.NoError(t, f.Close())
	require.NoError(t, f.Close())
	f.DeadLetter(&operators.DeadLetter{Source: "late"}) // after Close: ignored, no panic

	// The runtime names the source and option; the error names the path
	// and the reason, without a package prefix.
	_, err = NewFile(filepath.Join(path, "nope"), false)
	require.EqualError(t, err, "open "+filepath.Join(path, "nope")+": not a directory")
}

// TestFileLineNumbers: the dead letters of a file source name their line.
func TestFileLineNumbers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dlq.jsonl")
	f, err := NewFile(path, true)
	require.NoError(t, err)
	f.DeadLetter(&operators.DeadLetter{Query: "q1", Source: "events", Offset: 7, Reason: operators.ReasonMalformed,
		Detail: "invalid JSON", Payload: []byte("{oops"), TimeMs: 1767225600000})
	require.NoError(t, f.Close())
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, `{"time":"2026-01-01T00:00:00.000Z","query":"q1","source":"events","partition":0,"offset":7,"line":7,"reason":"malformed","detail":"invalid JSON","payload":"{oops"}`+"\n", string(got))
}

func TestFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dlq.jsonl")
	f, err := NewFile(path, false)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				f.DeadLetter(&operators.DeadLetter{Source: "s", Partition: int32(g), Offset: int64(i),
					Reason: operators.ReasonMalformed, Payload: bytes.Repeat([]byte{'x'}, 500)})
			}
		}()
	}
	wg.Wait()
	require.NoError(t, f.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Len(t, lines, 800)
	for _, l := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
	}
}

type manualClock struct{ now time.Time }

func (c *manualClock) Now() time.Time { return c.now }

func TestLoggerRateLimited(t *testing.T) {
	clock := &manualClock{now: time.Unix(1000, 0)}
	var out bytes.Buffer
	l := NewLogger(&out, 10*time.Second, clock)
	dl := func(src, reason, detail string) {
		l.DeadLetter(&operators.DeadLetter{Source: src, Reason: reason, Detail: detail})
	}
	dl("metrics", "malformed", "bad json") // first one: logged at once
	clock.now = clock.now.Add(time.Second)
	dl("metrics", "malformed", "bad ts")
	dl("metrics", "too_late", "")
	dl("clicks", "malformed", "x")
	clock.now = clock.now.Add(8 * time.Second) // 9s since the last line: still quiet
	dl("metrics", "malformed", "bad ts 2")
	clock.now = clock.now.Add(time.Second) // 10s: the pending four go out
	dl("metrics", "too_late", "")
	clock.now = clock.now.Add(3 * time.Second)
	dl("clicks", "malformed", "y")
	l.Flush()
	l.Flush() // nothing pending: no line
	want := "weir: 1 dead letter: metrics malformed=1 (last: bad json)\n" +
		"weir: 5 dead letters in the last 10s: clicks malformed=1 (last: x), metrics malformed=2 (last: bad ts 2), metrics too_late=2\n" +
		"weir: 1 dead letter in the last 3s: clicks malformed=1 (last: y)\n"
	require.Equal(t, want, out.String())
	require.Equal(t, int64(3), l.Total("metrics", "malformed"))
	require.Equal(t, int64(2), l.Total("clicks", "malformed"))
}

// TestLoggerShortWindow: a summary less than a second after the line
// before (the flush at the end of a run) counts the dead letters since
// without naming a window ("in the last 0s" would read as none); from one
// second on, the window is named.
func TestLoggerShortWindow(t *testing.T) {
	clock := &manualClock{now: time.Unix(1000, 0)}
	var out bytes.Buffer
	l := NewLogger(&out, 10*time.Second, clock)
	dl := func(reason, detail string) {
		l.DeadLetter(&operators.DeadLetter{Source: "metrics", Reason: reason, Detail: detail})
	}
	dl("malformed", "bad json")
	clock.now = clock.now.Add(200 * time.Millisecond)
	dl("malformed", "bad ts")
	dl("too_late", "")
	clock.now = clock.now.Add(700 * time.Millisecond) // 900 ms since the first line
	l.Flush()
	dl("malformed", "x") // held back: 0 s since the last line
	clock.now = clock.now.Add(time.Second)
	l.Flush() // exactly 1 s since the last line
	want := "weir: 1 dead letter: metrics malformed=1 (last: bad json)\n" +
		"weir: 2 more dead letters: metrics malformed=1 (last: bad ts), metrics too_late=1\n" +
		"weir: 1 dead letter in the last 1s: metrics malformed=1 (last: x)\n"
	require.Equal(t, want, out.String())
}

// TestFileWriteError: a dead letter that cannot be written (a full disk)
// is counted, with the reason naming the file and without a package
// prefix or the OS's own "write PATH" repeated; each later one is tried
// again (and counted when it fails too). Close returns the first reason.
func TestFileWriteError(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	f, err := NewFile("/dev/full", false)
	require.NoError(t, err)
	n, err := f.Lost()
	require.Zero(t, n)
	require.NoError(t, err)
	require.NoError(t, f.Err())

	f.DeadLetter(&operators.DeadLetter{Source: "s", Reason: operators.ReasonMalformed, TimeMs: 1})
	const why = "writing dead letters to /dev/full: no space left on device"
	n, err = f.Lost()
	require.Equal(t, int64(1), n)
	require.EqualError(t, err, why)
	require.ErrorIs(t, err, syscall.ENOSPC)
	f.DeadLetter(&operators.DeadLetter{Source: "s", Reason: operators.ReasonTooLate, TimeMs: 2})
	n, err = f.Lost()
	require.Equal(t, int64(2), n)
	require.EqualError(t, err, why)
	require.EqualError(t, f.Err(), why)
	require.EqualError(t, f.Close(), why)
	f.DeadLetter(&operators.DeadLetter{Source: "s"}) // after Close: ignored, not counted
	n, _ = f.Lost()
	require.Equal(t, int64(2), n)
}

// shortWriter writes the first n bytes of its first Write and fails it
// with err; later Writes go through to w.
type shortWriter struct {
	w    io.Writer
	n    int
	err  error
	used bool
}

func (s *shortWriter) Write(p []byte) (int, error) {
	if s.used {
		return s.w.Write(p)
	}
	s.used = true
	n, _ := s.w.Write(p[:s.n])
	return n, s.err
}

// TestFileShortWrite: a write cut short (the disk filled mid-line) loses
// that dead letter; the next one, once there is room again, is written on
// a line of its own, so every complete line of the file is still one JSON
// object. The loss stays counted.
func TestFileShortWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dlq.jsonl")
	f, err := NewFile(path, false)
	require.NoError(t, err)
	f.w = &shortWriter{w: f.f, n: 10, err: syscall.ENOSPC}
	f.DeadLetter(&operators.DeadLetter{Source: "s", Offset: 1, Reason: operators.ReasonMalformed, Payload: []byte("a"), TimeMs: 1767225600000})
	n, err := f.Lost()
	require.Equal(t, int64(1), n)
	require.EqualError(t, err, "writing dead letters to "+path+": no space left on device")
	f.DeadLetter(&operators.DeadLetter{Source: "s", Offset: 2, Reason: operators.ReasonMalformed, Payload: []byte("b"), TimeMs: 1767225600000})
	n, _ = f.Lost()
	require.Equal(t, int64(1), n)
	require.EqualError(t, f.Close(), "writing dead letters to "+path+": no space left on device")
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, `{"time":"2`+"\n"+
		`{"time":"2026-01-01T00:00:00.000Z","source":"s","partition":0,"offset":2,"reason":"malformed","detail":"","payload":"b"}`+"\n", string(got))
}
