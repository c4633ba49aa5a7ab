package pgwire

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
)

// TestPsql runs testdata/psql against a server with the real psql client
// (skipped when psql is not on PATH):
//
//	psql        each input line is one -c command
//	psql-file   the input is a file run with -f
//
// The output is psql's stdout and stderr.
func TestPsql(t *testing.T) {
	bin, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not on PATH; skipping the psql tests")
	}
	ts := startServer(t, Config{})
	dsn := "host=127.0.0.1 port=" + ts.port + " user=x dbname=weir sslmode=disable connect_timeout=10"
	datadriven.RunTest(t, "testdata/psql", func(t *testing.T, d *datadriven.TestData) string {
		args := []string{dsn, "-X", "--no-psqlrc"}
		switch d.Cmd {
		case "psql":
			for _, line := range strings.Split(d.Input, "\n") {
				args = append(args, "-c", line)
			}
		case "psql-file":
			f := filepath.Join(t.TempDir(), "script.sql")
			require.NoError(t, os.WriteFile(f, []byte(d.Input+"\n"), 0o600))
			args = append(args, "-f", f)
		default:
			t.Fatalf("unknown command %q", d.Cmd)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "PGTZ=UTC", "PAGER=", "PSQL_PAGER=", "LC_ALL=C")
		out, _ := cmd.CombinedOutput()
		return strings.ReplaceAll(string(out), filepath.Dir(args[len(args)-1])+"/", "")
	})
}
