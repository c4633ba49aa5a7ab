package postgres

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// Rows count as delivered when a commit makes them durable, not when
// Process buffers them; replayed rows the table already holds are not
// counted again.
func TestDeliveredCountsCommittedRows(t *testing.T) {
	url := testURL(t)
	table := uniqueTable(t, url)
	var delivered []int
	s := newSink(t, url, table)
	s.SetCheckpointing(true)
	s.SetDelivered(func(n int) { delivered = append(delivered, n) })
	require.NoError(t, s.Open(&operators.Context{}))
	require.NoError(t, s.Process(batch(row{0, 60_000, str("a"), 1, 1, coldata.EmitFinal}, row{0, 60_000, str("b"), 1, 1, coldata.EmitFinal}), none))
	require.NoError(t, s.OnWatermark(60_000, none)) // with checkpoints, only OnCheckpoint commits
	require.Empty(t, delivered)
	require.NoError(t, s.OnCheckpoint(1))
	require.Equal(t, []int{2}, delivered)
	require.NoError(t, s.OnCheckpoint(2)) // nothing pending
	require.Equal(t, []int{2}, delivered)
	require.NoError(t, s.Close())

	// A restart from checkpoint 0 replays checkpoint 1's rows: discarded,
	// not delivered again.
	delivered = nil
	s = newSink(t, url, table)
	s.SetCheckpointing(true)
	s.SetDelivered(func(n int) { delivered = append(delivered, n) })
	require.NoError(t, s.RestoreCheckpoint(0))
	require.NoError(t, s.Open(&operators.Context{}))
	require.NoError(t, s.Process(batch(row{0, 60_000, str("a"), 1, 1, coldata.EmitFinal}, row{0, 60_000, str("b"), 1, 1, coldata.EmitFinal}), none))
	require.NoError(t, s.OnCheckpoint(1))
	require.Empty(t, delivered)
	require.NoError(t, s.Process(batch(row{60_000, 120_000, str("a"), 1, 1, coldata.EmitFinal}), none))
	require.NoError(t, s.Close()) // commits the pending row without a checkpoint id
	require.Equal(t, []int{1}, delivered)
}
