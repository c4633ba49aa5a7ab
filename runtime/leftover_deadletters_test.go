package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/sink/deadletter"
	"github.com/weirdb/weir/sql"
)

// The events of the dead-letter tests: one good line and one malformed
// line (the second), so that each read of the file dead-letters once.
const leftoverEvents = `{"ts":"2026-11-09T10:00:00Z","v":1}
not json
`

func leftoverSource(data, deadLetters string) string {
	return `CREATE SOURCE d (ts TIMESTAMP, v BIGINT) WITH (connector = 'file', path = '` + data +
		`', dead_letter_path = '` + deadLetters + `')`
}

// fdOpen reports whether the test process holds a file descriptor on path,
// by the links of /proc/self/fd.
func fdOpen(t *testing.T, path string) bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd to see open files: %v", err)
	}
	want, err := filepath.EvalSymlinks(path)
	require.NoError(t, err)
	for _, ent := range ents {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", ent.Name())); err == nil && target == want {
			return true
		}
	}
	return false
}

// fileLines returns the lines of path (none when it is empty or does not
// exist).
func fileLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// readThrough runs a materialized view over source d to the end of its
// file, then drops the view, so that the source can be dropped.
func readThrough(t *testing.T, e *Engine) {
	t.Helper()
	coldExec(t, e, "CREATE MATERIALIZED VIEW dv AS SELECT v FROM d")
	waitQueries(t, e)
	require.Equal(t, []string{"1"}, coldRead(t, e, "SELECT v FROM dv"))
	coldExec(t, e, "DROP VIEW dv")
}

// TestLeftoverDropSourceClosesDeadLetterFile: DROP SOURCE closes the
// source's dead_letter_path file at once (a long-running server does not
// keep a descriptor per dropped source), and a source created again under
// the name with another dead_letter_path sends its dead letters there,
// none to the old file.
func TestLeftoverDropSourceClosesDeadLetterFile(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(leftoverEvents), 0o644))
	oldDL, newDL := filepath.Join(dir, "old-dl.jsonl"), filepath.Join(dir, "new-dl.jsonl")
	stderr := &syncBuffer{}
	e := New(Options{Stderr: stderr})
	defer e.Close()

	coldExec(t, e, leftoverSource(data, oldDL))
	require.True(t, fdOpen(t, oldDL), "the dead-letter file is open while its source exists")
	readThrough(t, e)
	require.Len(t, fileLines(t, oldDL), 1)
	require.Contains(t, fileLines(t, oldDL)[0], `"offset":2,"line":2,"reason":"malformed"`)

	coldExec(t, e, "DROP SOURCE d")
	require.False(t, fdOpen(t, oldDL), "DROP SOURCE closes the dead-letter file")

	coldExec(t, e, leftoverSource(data, newDL))
	require.True(t, fdOpen(t, newDL))
	readThrough(t, e)
	require.Len(t, fileLines(t, newDL), 1, "the new source's dead letter goes to its own file")
	require.Contains(t, fileLines(t, newDL)[0], `"offset":2,"line":2,"reason":"malformed"`)
	require.Len(t, fileLines(t, oldDL), 1, "and none to the old source's file")

	require.NoError(t, e.Close())
	require.False(t, fdOpen(t, newDL))
	require.Empty(t, stderr.String())
}

// TestLeftoverDroppedSourceDeadLettersGoToTheLog: once its source is
// dropped, a dead letter still arriving under the name (from a query that
// read the source and has yet to stop) is logged on stderr, not written to
// the closed file and lost.
func TestLeftoverDroppedSourceDeadLettersGoToTheLog(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(leftoverEvents), 0o644))
	dl := filepath.Join(dir, "dl.jsonl")
	stderr := &syncBuffer{}
	e := New(Options{Stderr: stderr})
	defer e.Close()
	coldExec(t, e, leftoverSource(data, dl))
	coldExec(t, e, "DROP SOURCE d")
	e.deadLetters.DeadLetter(&operators.DeadLetter{Source: "d", Offset: 7, Reason: operators.ReasonMalformed, Payload: []byte("x")})
	require.Empty(t, fileLines(t, dl), "the dropped source's file gets nothing")
	require.Contains(t, stderr.String(), "weir: 1 dead letter: d malformed=1")
}

// TestLeftoverCreateSourceOfATakenNameKeepsDeadLetters: a CREATE SOURCE
// refused because the name is taken neither opens its dead_letter_path nor
// takes the dead letters of the source holding the name.
func TestLeftoverCreateSourceOfATakenNameKeepsDeadLetters(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(leftoverEvents), 0o644))
	first, second := filepath.Join(dir, "first-dl.jsonl"), filepath.Join(dir, "second-dl.jsonl")
	e := New(Options{Stderr: &syncBuffer{}})
	defer e.Close()
	coldExec(t, e, leftoverSource(data, first))

	stmts, err := sql.Parse(leftoverSource(data, second))
	require.NoError(t, err)
	_, err = e.Exec(t.Context(), stmts[0], nil)
	var se *sql.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, "42P07", se.Code)
	_, statErr := os.Stat(second)
	require.True(t, os.IsNotExist(statErr), "the refused source's dead_letter_path is not created")

	readThrough(t, e)
	require.Len(t, fileLines(t, first), 1, "the existing source keeps its dead-letter file")
}

// TestLeftoverDropSourceReportsLostDeadLetters: dead letters the source's
// destination lost that no query failed with (here one written to a full
// disk, /dev/full, outside any query) are reported on stderr when DROP
// SOURCE closes it, naming the source; the DROP succeeds, and the engine's
// Close does not report them a second time.
func TestLeftoverDropSourceReportsLostDeadLetters(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full to fail dead-letter writes with")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "d.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(leftoverEvents), 0o644))
	stderr := &syncBuffer{}
	e := New(Options{Stderr: stderr})
	coldExec(t, e, leftoverSource(data, "/dev/full"))
	e.deadLetters.DeadLetter(&operators.DeadLetter{Source: "d", Offset: 7, Reason: operators.ReasonMalformed, Payload: []byte("x")})
	coldExec(t, e, "DROP SOURCE d")
	require.Equal(t, "weir: source d: writing dead letters to /dev/full: no space left on device (1 dead letter lost)\n", stderr.String())
	require.NoError(t, e.Close())
}

// TestLeftoverRouteReplacesLeftoverDestination: routing a name that still
// has a destination (left by a CREATE SOURCE that failed after routing,
// e.g. when persisting it failed) closes the leftover one: its file is not
// kept open, and the name's dead letters go to the new one.
func TestLeftoverRouteReplacesLeftoverDestination(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first.jsonl"), filepath.Join(dir, "second.jsonl")
	r := newDeadLetterRouter(nil, operators.SystemClock{})
	f1, err := deadletter.NewFile(first, false)
	require.NoError(t, err)
	require.NoError(t, r.route("x", f1))
	f2, err := deadletter.NewFile(second, false)
	require.NoError(t, err)
	require.NoError(t, r.route("X", f2))
	require.False(t, fdOpen(t, first), "the leftover destination is closed")
	r.DeadLetter(&operators.DeadLetter{Source: "x", Offset: 1, Reason: operators.ReasonMalformed, Payload: []byte("x")})
	require.Empty(t, fileLines(t, first))
	require.Len(t, fileLines(t, second), 1)
	require.NoError(t, r.Close())
	require.False(t, fdOpen(t, second))
}
