package file

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
)

// TestCheckPath: a bounded source's data file is checked before running:
// a missing file, a directory and an unreadable file are refused with the
// path named, and a relative path with the working directory it was
// resolved against (relative paths resolve against the working directory,
// as in Flink). Open says the same when the file is gone by then.
func TestCheckPath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	wd, err := os.Getwd() // dir with symbolic links resolved, as the error names it
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ok.jsonl"), []byte(`{"ts":1}`+"\n"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))

	require.NoError(t, CheckPath("ok.jsonl"))
	require.NoError(t, CheckPath(filepath.Join(dir, "ok.jsonl")))
	require.NoError(t, CheckPath("./sub/../ok.jsonl"))

	require.EqualError(t, CheckPath("data/missing.jsonl"),
		`data file "data/missing.jsonl" does not exist (relative paths are resolved against the working directory `+wd+`)`)
	abs := filepath.Join(dir, "missing.jsonl")
	require.EqualError(t, CheckPath(abs), `data file "`+abs+`" does not exist`)
	require.EqualError(t, CheckPath("sub"),
		`data file "sub" is a directory, expected a JSON-lines file (relative paths are resolved against the working directory `+wd+`)`)

	src, err := New(&catalog.Source{Name: "s", Schema: metricsSchema, Options: catalog.Options{"path": "data/missing.jsonl"}})
	require.NoError(t, err)
	require.EqualError(t, src.Open(&operators.Context{}),
		`source "s": data file "data/missing.jsonl" does not exist (relative paths are resolved against the working directory `+wd+`)`)

	if os.Geteuid() != 0 { // root reads any file
		locked := filepath.Join(dir, "locked.jsonl")
		require.NoError(t, os.WriteFile(locked, []byte("{}\n"), 0o000))
		require.EqualError(t, CheckPath(locked), `data file "`+locked+`" cannot be read: permission denied`)
	}

	// follow = 'true' waits for a missing file: not an error at Open.
	src, err = New(&catalog.Source{Name: "s", Schema: metricsSchema, Options: catalog.Options{"path": "data/missing.jsonl", "follow": "true"}})
	require.NoError(t, err)
	src.(*Source).SetWarningLog(nil)
	require.NoError(t, src.Open(&operators.Context{}))
	require.NoError(t, src.Close())
}
