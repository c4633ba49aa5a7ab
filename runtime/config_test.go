package runtime

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/sql/pgwire"
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

// writeConfig writes text to weir.yaml in a new temporary directory.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "weir.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// TestLoadConfigServerLimits: server.max_message_size (bytes),
// idle_timeout (a duration) and max_connections load, and reach the wire
// server's configuration.
func TestLoadConfigServerLimits(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, "server:\n  max_message_size: 16777216\n  idle_timeout: 15m\n  max_connections: 200\n"))
	require.NoError(t, err)
	require.Equal(t, 16<<20, c.Server.MaxMessageSize)
	require.Equal(t, 15*time.Minute, c.Server.IdleTimeout)
	require.Equal(t, 200, c.Server.MaxConnections)
	w := c.WireConfig()
	require.Equal(t, 16<<20, w.MaxMessageSize)
	require.Equal(t, 15*time.Minute, w.IdleTimeout)
	require.Equal(t, 200, w.MaxConnections)
	require.Equal(t, "trust", w.Auth)

	// idle_timeout: 0 disables the timeout, which pgwire spells as a
	// negative IdleTimeout (its zero means its default, 1h).
	c, err = LoadConfig(writeConfig(t, "server: { idle_timeout: 0s }\n"))
	require.NoError(t, err)
	require.Zero(t, c.Server.IdleTimeout)
	require.Negative(t, c.WireConfig().IdleTimeout)
}

// TestLoadConfigServerDefaults: without the keys, the wire server keeps
// the limits it had before they were configurable — 1 MiB messages, a 1h
// idle timeout — and PostgreSQL's default of 100 connections.
func TestLoadConfigServerDefaults(t *testing.T) {
	for name, c := range map[string]Config{"Defaults": Defaults(), "file": func() Config {
		c, err := LoadConfig(writeConfig(t, "server: { pg_addr: 127.0.0.1:0 }\n"))
		require.NoError(t, err)
		return c
	}()} {
		require.Equal(t, 1048576, c.Server.MaxMessageSize, name)
		require.Equal(t, time.Hour, c.Server.IdleTimeout, name)
		require.Equal(t, 100, c.Server.MaxConnections, name)
		w := c.WireConfig()
		require.Equal(t, 1048576, w.MaxMessageSize, name)
		require.Equal(t, time.Hour, w.IdleTimeout, name)
		require.Equal(t, 100, w.MaxConnections, name)
	}
}

// TestLoadConfigBadValues: a value of the wrong type or out of range is
// an error naming the key and its line, echoing the value as written.
func TestLoadConfigBadValues(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"connections zero", "server:\n  max_connections: 0\n", "server.max_connections must be at least 1, got 0 (line 2)"},
		{"connections negative", "server:\n  max_connections: -3\n", "server.max_connections must be at least 1, got -3 (line 2)"},
		{"connections word", "server:\n  max_connections: lots\n", `server.max_connections must be an integer, got "lots" (line 2)`},
		// Only bytes: a size with a unit is refused, with a hint.
		{"size with unit", "server:\n  max_message_size: 16MB\n", `server.max_message_size must be a number of bytes such as 16777216 (16 MiB), got "16MB" (line 2)`},
		{"size too small", "server:\n  max_message_size: 1023\n", "server.max_message_size must be a number of bytes from 1024 to 1073741824, got 1023 (line 2)"},
		{"size too large", "server:\n  max_message_size: 1073741825\n", "server.max_message_size must be a number of bytes from 1024 to 1073741824, got 1073741825 (line 2)"},
		{"idle negative", "server:\n  idle_timeout: -5s\n", "server.idle_timeout must not be negative (0 disables it), got -5s (line 2)"},
		// A bare number has no unit: yaml.v3 refuses it for a duration.
		{"idle without unit", "server:\n  idle_timeout: 30\n", `server.idle_timeout must be a duration such as 30s, 5m or 1h, got "30" (line 2)`},
		{"idle word", "server: { pg_addr: x, idle_timeout: forever }\n", `server.idle_timeout must be a duration such as 30s, 5m or 1h, got "forever" (line 1)`},
		// The same checks cover the other keys.
		{"checkpoint interval", "checkpointing:\n  interval: soon\n", `checkpointing.interval must be a duration such as 30s, 5m or 1h, got "soon" (line 2)`},
		{"tls required", "server:\n  tls: { required: maybe }\n", `server.tls.required must be true or false, got "maybe" (line 2)`},
		{"list where a string belongs", "server:\n  users:\n    - { name: [a, b], password: p }\n", "server.users[0].name must be a string, got a list (line 3)"},
		{"scalar where a section belongs", "server: 5\n", `server must be a mapping, got "5" (line 1)`},
		{"auth", "server:\n  auth: md5\n", `server.auth must be trust or scram, got "md5" (line 2)`},
		// Range errors echo the value as written, with its line.
		{"retention negative", "state:\n  cold:\n    retention: -1h\n", "state.cold.retention must be positive, such as 2160h, got -1h (line 3)"},
		{"hot negative", "state:\n  hot:\n    max_size_mb: -5\n", "state.hot.max_size_mb must not be negative (0: no budget, all window state in memory), got -5 (line 3)"},
		{"emit interval zero", "watermarks: { emit_interval: 0s }\n", "watermarks.emit_interval must be positive, such as 1s, got 0s (line 1)"},
		{"watermark idle negative", "watermarks:\n  idle_timeout: -5m\n", "watermarks.idle_timeout must not be negative (0: partitions are never idle), got -5m (line 2)"},
		{"ttl through a merge", "state:\n  warm:\n    <<: { ttl: -90m }\n", "state.warm.ttl must not be negative (0: spilled state never expires), got -90m (line 3)"},
		// yaml.v3 would truncate these into the integer; they are refused.
		{"hot fraction", "state:\n  hot:\n    max_size_mb: 1.5\n", `state.hot.max_size_mb must be an integer, got "1.5" (line 3)`},
		{"connections fraction", "server:\n  max_connections: 2.7\n", `server.max_connections must be an integer, got "2.7" (line 2)`},
		{"size exponent", "server:\n  max_message_size: 1e6\n", `server.max_message_size must be a number of bytes such as 16777216 (16 MiB), got "1e6" (line 2)`},
		// The YAML library's errors lose its "yaml:" prefix and list form.
		{"syntax", "state:\n  dir: x\n  hot: @x\n", "line 3: found character that cannot start any token"},
		{"duplicate key", "state:\n  dir: x\nserver: {}\nstate:\n  dir: y\n", `line 4: mapping key "state" already defined at line 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.yaml)
			_, err := LoadConfig(path)
			require.EqualError(t, err, "config "+path+": "+tc.want)
		})
	}
}

// TestWireConfigServes: the limits of a configuration file are the ones a
// wire server built from WireConfig (as weir serve builds it) enforces —
// a query over max_message_size gets FATAL 08P01, a client over
// max_connections FATAL 53300.
func TestWireConfigServes(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, "server:\n  max_message_size: 2048\n  max_connections: 1\n  idle_timeout: 0s\n"))
	require.NoError(t, err)
	eng := New(Options{Config: c, Stderr: io.Discard})
	defer eng.Close()
	srv := pgwire.NewServer(c.WireConfig(), NewWireEngine(eng))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		require.NoError(t, srv.Close())
		require.ErrorIs(t, <-served, pgwire.ErrServerClosed)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "postgres://tester@" + ln.Addr().String() + "/weir?sslmode=disable"
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)

	var pe *pgconn.PgError
	_, err = pgx.Connect(ctx, url)
	require.True(t, errors.As(err, &pe), "%v", err)
	require.Equal(t, "53300", pe.Code)

	// A Query message's body is the query string and a NUL: 2048 bytes
	// of query make a 2049-byte body, one over the maximum.
	q := "SELECT 1" + strings.Repeat(" ", 2048-len("SELECT 1"))
	_, err = conn.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol)
	require.True(t, errors.As(err, &pe), "%v", err)
	require.Equal(t, "08P01", pe.Code)
	require.Equal(t, "message of 2049 bytes exceeds the maximum of 2048 bytes", pe.Message)
}

// TestConfigExampleProfiles: the profiles shipped in examples/config load, and
// set the wire limits they document.
func TestConfigExampleProfiles(t *testing.T) {
	dev, err := LoadConfig("../examples/config/development.yaml")
	require.NoError(t, err)
	require.Equal(t, 16<<20, dev.Server.MaxMessageSize)
	require.Negative(t, dev.WireConfig().IdleTimeout) // 0s: disabled
	require.Equal(t, 20, dev.Server.MaxConnections)
	prod, err := LoadConfig("../examples/config/production.yaml")
	require.NoError(t, err)
	require.Equal(t, 1<<20, prod.Server.MaxMessageSize)
	require.Equal(t, 30*time.Minute, prod.Server.IdleTimeout)
	require.Equal(t, 200, prod.Server.MaxConnections)
	require.NoError(t, prod.WireConfig().Validate())
}

// TestWarmCacheDefault checks state.warm.cache_size_mb: as configured
// when set, otherwise the hot budget clamped to [8, 1024] MB (1024 with
// no hot budget), so that a small hot budget is not undone by Pebble's
// block cache.
func TestWarmCacheDefault(t *testing.T) {
	for _, c := range []struct{ hot, warm, want int }{
		{512, 0, 512},    // the defaults: as much as the hot budget
		{16, 0, 16},      // a small budget: a small cache
		{1, 0, 8},        // tiny: Pebble's 8 MB floor
		{4096, 0, 1024},  // large: capped
		{0, 0, 1024},     // no hot budget
		{16, 4096, 4096}, // set: as set
	} {
		var cfg Config
		cfg.State.Hot.MaxSizeMB, cfg.State.Warm.CacheSizeMB = c.hot, c.warm
		require.Equal(t, c.want, cfg.WarmCacheMB(), "%+v", c)
		require.Equal(t, c.want, cfg.StorageOptions().CacheSizeMB)
	}
	require.Equal(t, 512, Defaults().WarmCacheMB())
	path := filepath.Join(t.TempDir(), "neg.yaml")
	require.NoError(t, os.WriteFile(path, []byte("state:\n  warm: { cache_size_mb: -1 }\n"), 0o644))
	_, err := LoadConfig(path)
	require.ErrorContains(t, err, "state.warm.cache_size_mb must not be negative")
	require.NoError(t, os.WriteFile(path, []byte("state:\n  hot: { max_size_mb: -5 }\n"), 0o644))
	_, err = LoadConfig(path)
	require.ErrorContains(t, err, "state.hot.max_size_mb must not be negative (0: no budget")
}
