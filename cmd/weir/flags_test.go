package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDurationFlagErrors: a duration flag that cannot be read names the
// flag, the value and the expected form, and is a usage error (exit 2).
func TestDurationFlagErrors(t *testing.T) {
	for _, v := range []string{"banana", "30", "5 m"} {
		var out, errw syncBuffer
		code := runMain([]string{"--checkpoint-interval", v, "x.sql"}, &out, &errw)
		require.Equal(t, exitUsage, code)
		first, _, _ := strings.Cut(errw.String(), "\n")
		require.Equal(t, `invalid value "`+v+`" for flag -checkpoint-interval: expected a duration with a unit, such as 30s, 5m or 1h30m`, first)
		require.Empty(t, out.String())
	}
}
