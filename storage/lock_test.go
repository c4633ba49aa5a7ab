package storage

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenLockedSaysAnotherProcess: opening a state directory that another
// process holds open says so, without a package prefix. The other process is
// this test binary, re-run to open the directory and wait.
func TestOpenLockedSaysAnotherProcess(t *testing.T) {
	if dir := os.Getenv("WEIR_STORAGE_LOCK_HELPER"); dir != "" {
		s, err := Open(dir, Options{})
		if err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("held\n")
		_, _ = io.Copy(io.Discard, os.Stdin) // until the test closes stdin
		_ = s.Close()
		os.Exit(0)
	}
	dir := t.TempDir()
	holder := exec.Command(os.Args[0], "-test.run", "^TestOpenLockedSaysAnotherProcess$")
	holder.Env = append(os.Environ(), "WEIR_STORAGE_LOCK_HELPER="+dir)
	stdin, err := holder.StdinPipe()
	require.NoError(t, err)
	stdout, err := holder.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, holder.Start())
	defer func() { _ = stdin.Close(); _ = holder.Wait() }()
	buf := make([]byte, 5)
	_, err = io.ReadFull(stdout, buf)
	require.NoError(t, err)
	require.Equal(t, "held\n", string(buf))

	_, err = Open(dir, Options{})
	require.ErrorIs(t, err, ErrLocked)
	require.True(t, strings.HasPrefix(err.Error(), "another weir process is using it"), err.Error())
	require.NotContains(t, err.Error(), "storage:")
}
