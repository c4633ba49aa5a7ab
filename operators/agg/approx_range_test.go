package agg

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Values beyond the sketch's indexable range are clamped into it, never
// dropped. 400 values (past the 128 kept exactly): 100 × −1.7e308, 200 ×
// 1, 100 × 1.7e308. q = 0.99 is rank 395.01, among the huge values, so the
// answer is the clamp, about 1.26e308 (ignoring Add's refusal gave 1.01);
// q = 0.01 (rank 3.99) is −1.26e308; q = 0.5 (rank 199.5) is 1.
func TestApproxPercentileClampsHugeValues(t *testing.T) {
	var xs []float64
	for range 200 {
		xs = append(xs, 1.0)
	}
	for range 100 {
		xs = append(xs, 1.7e308, -1.7e308)
	}
	require.Greater(t, sketchMax, 1.2e308)
	require.InEpsilon(t, sketchMax, approxPct(t, 0.99, xs...), 0.01)
	require.InEpsilon(t, -sketchMax, approxPct(t, 0.01, xs...), 0.01)
	require.InEpsilon(t, 1, approxPct(t, 0.5, xs...), 0.01)
}
