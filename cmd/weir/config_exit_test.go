package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestConfigExitCodes: a --config file that cannot be read is a file that
// could not be read (exit 1); one that is read but invalid is a bad
// argument (exit 2). The same for weir run, weir serve and weir repl.
func TestConfigExitCodes(t *testing.T) {
	dir := t.TempDir()
	q := writeFile(t, dir, "q.sql", "SHOW SOURCES;\n")
	missing := filepath.Join(dir, "nonexistent.yaml")
	unknownKey := writeFile(t, dir, "unknown.yaml", "checkpointing:\n  intervall: 10s\n")
	badValue := writeFile(t, dir, "bad.yaml", "checkpointing:\n  interval: soon\n")

	run := func(config string) (int, string) {
		code, _, errw := runWeir("--config", config, q)
		return code, errw
	}
	serve := func(config string) (int, string) {
		var errw syncBuffer
		// Had the server started, it would stop at the deadline.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		state := filepath.Join(dir, "state")
		code := serveMain(ctx, []string{"--config", config, "--state-dir", state, "--pg-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, &errw, nil)
		require.NoDirExists(t, state)
		return code, errw.String()
	}
	repl := func(config string) (int, string) {
		var out, errw syncBuffer
		code := runRepl([]string{"--config", config, "--history", ""}, strings.NewReader("SHOW SOURCES;\n"), &out, &errw)
		return code, errw.String()
	}
	for name, cmd := range map[string]func(string) (int, string){"run": run, "serve": serve, "repl": repl} {
		t.Run(name, func(t *testing.T) {
			code, errw := cmd(missing)
			require.Equal(t, exitFailed, code, errw)
			require.Contains(t, errw, "weir "+name+": config: open "+missing+": no such file or directory")

			code, errw = cmd(dir) // a directory cannot be read as a file either
			require.Equal(t, exitFailed, code, errw)

			code, errw = cmd(unknownKey)
			require.Equal(t, exitUsage, code, errw)
			require.Contains(t, errw, `unknown key "checkpointing.intervall" (line 2)`)

			code, errw = cmd(badValue)
			require.Equal(t, exitUsage, code, errw)
			require.Contains(t, errw, "checkpointing.interval")
		})
	}
}
