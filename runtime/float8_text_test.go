package runtime

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFloat8Text checks the in-process rendering of DOUBLE against what
// PostgreSQL 12+ prints for the same float8 (shortest round-trip digits,
// exponent form when the decimal exponent is < -4 or ≥ 15).
func TestFloat8Text(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{1234567.5, "1234567.5"},
		{math.Nextafter(0.3, 1), "0.30000000000000004"}, // 0.1 + 0.2 in float64
		{123456789012345, "123456789012345"},
		{1e15, "1e+15"},
		{-2.5e20, "-2.5e+20"},
		{0.0001, "0.0001"},
		{0.00001, "1e-05"},
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
	} {
		require.Equal(t, c.want, float8Text(c.f), "%v", c.f)
	}
}
