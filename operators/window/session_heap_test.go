package window

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSessHeapOrder pushes and pops entries at random, many of them
// equal in time and start, and checks that every pop returns the least
// entry left, and that a heap rebuilt by sorting (compactHeap) keeps
// popping in order.
func TestSessHeapOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var h sessHeap
	var model []sessHeapEntry
	cmp := func(a, b sessHeapEntry) int {
		switch {
		case entryLess(&a, &b):
			return -1
		case entryLess(&b, &a):
			return 1
		}
		return 0
	}
	for step := range 50_000 {
		if len(model) == 0 || rng.IntN(3) > 0 {
			e := sessHeapEntry{at: rng.Int64N(50), start: rng.Int64N(5), seq: rng.Uint64N(1000), id: int32(step)}
			h.push(e)
			model = append(model, e)
		} else {
			got := h.pop()
			least := slices.MinFunc(model, cmp)
			require.Zero(t, cmp(got, least), "step %d: popped %+v, least is %+v", step, got, least)
			j := slices.Index(model, got)
			require.GreaterOrEqual(t, j, 0, "popped %+v, never pushed or popped twice", got)
			model = slices.Delete(model, j, j+1)
		}
		require.Len(t, h, len(model))
		if step == 25_000 {
			slices.SortFunc(h, cmp) // a sorted array is a heap
		}
	}
	for len(model) > 0 {
		got := h.pop()
		require.Zero(t, cmp(got, slices.MinFunc(model, cmp)))
		j := slices.Index(model, got)
		require.GreaterOrEqual(t, j, 0)
		model = slices.Delete(model, j, j+1)
	}
	require.Empty(t, h)
}
