package file

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

var ckptSchema = catalog.Schema{{Name: "k", Type: catalog.Varchar}, {Name: "n", Type: catalog.Bigint}}

// openSink opens a file sink writing path, its warnings going to warn.
func openSink(t *testing.T, path string, warn *bytes.Buffer) *Sink {
	t.Helper()
	op, err := New(&catalog.Sink{Name: "out", Connector: "file", Options: catalog.Options{"path": path}}, ckptSchema)
	require.NoError(t, err)
	s := op.(*Sink)
	s.SetWarningLog(warn)
	require.NoError(t, s.Open(&operators.Context{}))
	return s
}

// rows is a batch of final rows (k, n).
func rows(kv ...any) *coldata.Batch {
	b := coldata.NewBatch(ckptSchema, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		b.Cols[0].Str = append(b.Cols[0].Str, kv[i].(string))
		b.Cols[1].I64 = append(b.Cols[1].I64, int64(kv[i+1].(int)))
		b.Emit = append(b.Emit, coldata.EmitFinal)
	}
	b.Len = len(kv) / 2
	return b
}

func snapshot(t *testing.T, s *Sink) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, s.Snapshot(&buf))
	return buf.Bytes()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

const (
	lineA = `{"k":"a","n":1,"_emit":"final"}` + "\n" // 32 bytes
	lineB = `{"k":"b","n":2,"_emit":"final"}` + "\n"
	lineC = `{"k":"c","n":3,"_emit":"final"}` + "\n"
)

// TestFileSinkRestoreTruncates: the rows written after a checkpoint (and a
// row torn by a kill) are removed by Restore, and the restarted query's
// re-emission leaves every row in the file exactly once.
func TestFileSinkRestoreTruncates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	require.NoError(t, os.WriteFile(path, []byte("earlier\n"), 0o644))
	var warn bytes.Buffer
	s := openSink(t, path, &warn)
	require.NoError(t, s.Process(rows("a", 1), nil))
	blob := snapshot(t, s)
	require.NoError(t, s.Process(rows("b", 2), nil))
	require.NoError(t, s.Close())
	// The kill cut the next row short.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"k":"c","n`)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.Equal(t, "earlier\n"+lineA+lineB+`{"k":"c","n`, readFile(t, path))
	require.Empty(t, warn.String())

	s = openSink(t, path, &warn)
	require.NoError(t, s.Restore(bytes.NewReader(blob)))
	// 8 bytes of "earlier\n" and 32 of lineA were there at the checkpoint;
	// lineB (32) and the 11-byte fragment came after it.
	require.Equal(t, "earlier\n"+lineA, readFile(t, path))
	require.Equal(t, fmt.Sprintf("weir: sink out: removed the last 43 bytes of %s, written after the checkpoint (40 bytes); the rows are written again\n", path), warn.String())
	require.NoError(t, s.Process(rows("b", 2, "c", 3), nil))
	require.NoError(t, s.Close())
	require.Equal(t, "earlier\n"+lineA+lineB+lineC, readFile(t, path))
}

// TestFileSinkRestoreUnchanged: a file still at the checkpoint's size is
// left alone and nothing is reported.
func TestFileSinkRestoreUnchanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	var warn bytes.Buffer
	s := openSink(t, path, &warn)
	blob0 := snapshot(t, s) // before any row: an empty file
	require.NoError(t, s.Process(rows("a", 1), nil))
	blob1 := snapshot(t, s)
	require.NoError(t, s.Close())

	s = openSink(t, path, &warn)
	require.NoError(t, s.Restore(bytes.NewReader(blob1)))
	require.NoError(t, s.Close())
	require.Equal(t, lineA, readFile(t, path))
	require.Empty(t, warn.String())

	// The checkpoint before the first row takes the file back to empty.
	s = openSink(t, path, &warn)
	require.NoError(t, s.Restore(bytes.NewReader(blob0)))
	require.NoError(t, s.Close())
	require.Equal(t, "", readFile(t, path))
}

// TestFileSinkRestoreShorterFile: a file shorter than the checkpoint
// recorded (truncated or rotated since) is an error naming the file and
// both sizes, as Flink's FileSink refuses to resume such a file; the file
// is left as it is.
func TestFileSinkRestoreShorterFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	var warn bytes.Buffer
	s := openSink(t, path, &warn)
	require.NoError(t, s.Process(rows("a", 1, "b", 2), nil))
	blob := snapshot(t, s)
	require.NoError(t, s.Close())
	require.NoError(t, os.WriteFile(path, []byte(lineC), 0o644))

	s = openSink(t, path, &warn)
	err := s.Restore(bytes.NewReader(blob))
	require.EqualError(t, err, fmt.Sprintf(`file sink "out": %s is 32 bytes, shorter than the 64 bytes the checkpoint recorded: `+
		"it was truncated or replaced since; put the file back, or start over without the state (weir run --reset; DROP SINK and CREATE SINK in weir serve)", path))
	require.NoError(t, s.Close())
	require.Equal(t, lineC, readFile(t, path))
	require.Empty(t, warn.String())
}

// TestFileSinkRestoreMissingFile: a file deleted since a checkpoint that
// recorded rows in it is an error too, and the restore leaves no empty
// file behind; a checkpoint of an empty file restores onto a missing one.
func TestFileSinkRestoreMissingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.jsonl")
	var warn bytes.Buffer
	s := openSink(t, path, &warn)
	empty := snapshot(t, s)
	require.NoError(t, s.Process(rows("a", 1), nil))
	blob := snapshot(t, s)
	require.NoError(t, s.Close())
	require.NoError(t, os.Remove(path))

	s = openSink(t, path, &warn)
	err := s.Restore(bytes.NewReader(blob))
	require.EqualError(t, err, fmt.Sprintf(`file sink "out": %s does not exist, but the checkpoint recorded 32 bytes written to it: `+
		"it was moved or deleted since; put it back, or start over without the state (weir run --reset; DROP SINK and CREATE SINK in weir serve)", path))
	require.NoError(t, s.Close())
	_, err = os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist)

	s = openSink(t, path, &warn)
	require.NoError(t, s.Restore(bytes.NewReader(empty)))
	require.NoError(t, s.Process(rows("a", 1), nil))
	require.NoError(t, s.Close())
	require.Equal(t, lineA, readFile(t, path))
}

// TestFileSinkRestoreBadBlob: a checkpoint blob of another version or cut
// short is refused.
func TestFileSinkRestoreBadBlob(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	var warn bytes.Buffer
	s := openSink(t, path, &warn)
	defer s.Close()
	require.EqualError(t, s.Restore(bytes.NewReader([]byte{9, 1, 0})), `file sink "out": unknown checkpoint version`)
	require.EqualError(t, s.Restore(bytes.NewReader([]byte{1, 1})), `file sink "out": corrupt checkpoint`)
	require.EqualError(t, s.Restore(bytes.NewReader([]byte{1, 1, 0x80})), `file sink "out": corrupt checkpoint`)
	require.EqualError(t, s.Restore(bytes.NewReader([]byte{1, 7, 0})), `file sink "out": corrupt checkpoint`)
}

// TestFileSinkTornTailEnded: without a checkpoint to restore, a file whose
// last line was cut short gets a newline before the first row, and the
// repair is reported once; the torn line itself stays.
func TestFileSinkTornTailEnded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(lineA+`{"k":"b","n`), 0o644))
	var warn bytes.Buffer
	s := openSink(t, path, &warn)
	require.Equal(t, lineA+`{"k":"b","n`, readFile(t, path), "Open writes nothing")
	require.NoError(t, s.Process(rows("b", 2), nil))
	require.NoError(t, s.Process(rows("c", 3), nil))
	require.NoError(t, s.Close())
	require.Equal(t, lineA+`{"k":"b","n`+"\n"+lineB+lineC, readFile(t, path))
	require.Equal(t, fmt.Sprintf("weir: sink out: %s did not end with a newline (its last line was cut short, as by a crash): "+
		"ended that line; the rows follow on their own lines\n", path), warn.String())

	// A whole last line, or an empty file, is appended to silently.
	warn.Reset()
	s = openSink(t, path, &warn)
	require.NoError(t, s.Process(rows("a", 1), nil))
	require.NoError(t, s.Close())
	require.Equal(t, lineA+`{"k":"b","n`+"\n"+lineB+lineC+lineA, readFile(t, path))
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	s = openSink(t, empty, &warn)
	require.NoError(t, s.Process(rows("a", 1), nil))
	require.NoError(t, s.Close())
	require.Equal(t, lineA, readFile(t, empty))
	require.Empty(t, warn.String())
}

// TestFileSinkSnapshotEndsTornTail: a checkpoint taken before the first row
// of a file with a torn last line ends that line first, so that a restore
// of it never appends a row onto the fragment.
func TestFileSinkSnapshotEndsTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"k":"a"`), 0o644))
	var warn bytes.Buffer
	s := openSink(t, path, &warn)
	blob := snapshot(t, s)
	require.NoError(t, s.Close())
	require.Equal(t, `{"k":"a"`+"\n", readFile(t, path))

	s = openSink(t, path, &warn)
	require.NoError(t, s.Restore(bytes.NewReader(blob)))
	require.NoError(t, s.Process(rows("a", 1), nil))
	require.NoError(t, s.Close())
	require.Equal(t, `{"k":"a"`+"\n"+lineA, readFile(t, path))
	require.Equal(t, 1, strings.Count(warn.String(), "did not end with a newline"))
}

// TestFileSinkDevice: a sink writing a device (/dev/null here, /dev/stdout
// in practice) checkpoints without fsync and restores without truncating.
func TestFileSinkDevice(t *testing.T) {
	var warn bytes.Buffer
	s := openSink(t, os.DevNull, &warn)
	require.NoError(t, s.Process(rows("a", 1), nil))
	blob := snapshot(t, s)
	require.NoError(t, s.Close())
	s = openSink(t, os.DevNull, &warn)
	require.NoError(t, s.Restore(bytes.NewReader(blob)))
	require.NoError(t, s.Process(rows("b", 2), nil))
	require.NoError(t, s.Close())
	require.Empty(t, warn.String())
}

// TestFileSinkWriteOnlyFile: a file the sink may append to but not read
// (mode 0200) is written unchecked, as before, rather than refused.
func TestFileSinkWriteOnlyFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	path := filepath.Join(t.TempDir(), "out.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"k":"a"`), 0o200))
	var warn bytes.Buffer
	s := openSink(t, path, &warn)
	require.NoError(t, s.Process(rows("a", 1), nil))
	require.NoError(t, s.Close())
	require.NoError(t, os.Chmod(path, 0o600))
	require.Equal(t, `{"k":"a"`+lineA, readFile(t, path))
	require.Empty(t, warn.String())
}
