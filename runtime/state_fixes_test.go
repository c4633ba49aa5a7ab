package runtime_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/runtime"
)

// TestConfigRefusesDurationsThatDisableState: a checkpoint interval or a cold
// retention that is zero or negative, or a negative warm TTL, is refused
// with the key named, instead of silently taking no checkpoint or keeping
// 90 days; a warm TTL of 0 is accepted and means no expiry.
func TestConfigRefusesDurationsThatDisableState(t *testing.T) {
	dir := t.TempDir()
	load := func(yaml string) (runtime.Config, error) {
		p := filepath.Join(dir, "c.yaml")
		require.NoError(t, os.WriteFile(p, []byte(yaml), 0o644))
		return runtime.LoadConfig(p)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"checkpointing: {interval: 0s}\n", "checkpointing.interval must be positive, such as 60s, got 0s"},
		{"checkpointing: {interval: -5s}\n", "checkpointing.interval must be positive, such as 60s, got -5s"},
		{"state: {cold: {retention: 0s}}\n", "state.cold.retention must be positive, such as 2160h, got 0s"},
		{"state: {cold: {retention: -1h}}\n", "state.cold.retention must be positive, such as 2160h, got -1h (line 1)"},
		{"state: {warm: {ttl: -1h}}\n", "state.warm.ttl must not be negative (0: spilled state never expires), got -1h (line 1)"},
	} {
		_, err := load(tc.yaml)
		require.ErrorContains(t, err, tc.want, tc.yaml)
	}
	c, err := load("state: {warm: {ttl: 0s}}\ncheckpointing: {interval: 200ms}\n")
	require.NoError(t, err)
	require.Zero(t, c.State.Warm.TTL)
	require.Equal(t, 200*time.Millisecond, c.Checkpointing.Interval)
	require.Zero(t, c.StorageOptions().WarmTTL, "0 reaches the store as no TTL")
}

// TestStateMismatchNamesTheQuery: the refusal of a state directory of other
// statements names the query as the user wrote it and no package.
func TestStateMismatchNamesTheQuery(t *testing.T) {
	for key, want := range map[string]string{
		"run/q2":   "the state directory holds a checkpoint of query q2, made by different statements; run with --reset to discard it",
		"sink/out": "the state directory holds a checkpoint of sink out, made by different statements; run with --reset to discard it",
		"view/v":   "the state directory holds a checkpoint of view v, made by different statements; run with --reset to discard it",
	} {
		require.Equal(t, want, (&runtime.ErrStateMismatch{Query: key}).Error())
	}
}
