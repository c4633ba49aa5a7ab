package catalog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"5m": 5 * time.Minute, "300s": 300 * time.Second, "2 minutes": 2 * time.Minute,
		"1h": time.Hour, "1h30m": 90 * time.Minute, "500ms": 500 * time.Millisecond,
		"1 hour 30 minutes": 90 * time.Minute, "1.5 hours": 90 * time.Minute,
		" 10 SECONDS ": 10 * time.Second, "2days": 48 * time.Hour, "0s": 0,
		"300": 300 * time.Second, "0": 0, "1.5 min": 90 * time.Second, "1 day": 24 * time.Hour,
		"2 HOURS": 2 * time.Hour, "250ms": 250 * time.Millisecond, "5min": 5 * time.Minute,
	} {
		got, err := ParseDuration(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "five minutes", "soon", "5 fortnights", "-5m", "-5", "5 minutes 3", "m"} {
		_, err := ParseDuration(bad)
		require.Error(t, err, bad)
	}
}
