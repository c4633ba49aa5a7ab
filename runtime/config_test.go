package runtime

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestLoadConfigUnknownKey: an unknown key is reported by its dotted path
// and line, not by the Go type it failed to fit.
func TestLoadConfigUnknownKey(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"nested", "state:\n  dir: /tmp/x\n  hot:\n    max_size_mb: 10\n    bogus: 1\n", `unknown key "state.hot.bogus" (line 5)`},
		{"top level", "checkpointing: { interval: 5s }\nbogus: true\n", `unknown key "bogus" (line 2)`},
		{"flow mapping", "state: { hot: { max_size_mb: 1, bogus: 2 } }\n", `unknown key "state.hot.bogus" (line 1)`},
		{"in a list", "server:\n  users:\n    - { name: a, password: b }\n    - { nmae: c, password: d }\n", `unknown key "server.users[1].nmae" (line 4)`},
		{"misspelt section", "servre:\n  pg_addr: x\n", `unknown key "servre" (line 1)`},
		// warm: *h reuses hot's keys, and max_size_mb is not a warm key;
		// the line is the anchored mapping's.
		{"through an alias", "state:\n  hot: &h { max_size_mb: 1 }\n  warm: *h\n", `unknown key "state.warm.max_size_mb" (line 2)`},
		{"merged", "server:\n  <<: { pg_addr: a, bogus: 1 }\n", `unknown key "server.bogus" (line 2)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "weir.yaml")
			require.NoError(t, os.WriteFile(path, []byte(tc.yaml), 0o644))
			_, err := LoadConfig(path)
			require.EqualError(t, err, "config "+path+": "+tc.want)
		})
	}
}

// TestLoadConfigKnownKeys: every documented key loads, over the defaults.
func TestLoadConfigKnownKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weir.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
state:
  dir: /var/lib/weir
  hot: { max_size_mb: 2048 }
  warm: { cache_size_mb: 4096, ttl: 168h }
  cold: { postgres_url: "postgres://db/weir", retention: 2160h }
checkpointing: { interval: 30s }
watermarks: { idle_timeout: 300s, emit_interval: 1s }
server:
  pg_addr: 0.0.0.0:6566
  http_addr: 0.0.0.0:8566
  auth: scram
  users:
    - { name: analyst, password: "change-me" }
  tls: { cert_file: a.pem, key_file: b.pem, required: true }
`), 0o644))
	c, err := LoadConfig(path)
	require.NoError(t, err)
	require.Equal(t, 2048, c.State.Hot.MaxSizeMB)
	require.Equal(t, 30*time.Second, c.Checkpointing.Interval)
	require.Equal(t, "analyst", c.Server.Users[0].Name)
	require.Equal(t, "b.pem", c.Server.TLS.KeyFile)
	require.True(t, c.Server.TLS.Required)
}
