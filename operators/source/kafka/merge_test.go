package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/internal/kafkatest"
)

// readSteps reads s to io.EOF and describes each Read that returned rows or
// reported ended partitions: "p<partition> <first>-<last> ended=[...]"
// (rows) or "ended=[...]" (an empty batch). Empty polls are left out.
func readSteps(t *testing.T, s *Source, stopAfter int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	b := newBatch()
	var steps []string
	for stopAfter <= 0 || len(steps) < stopAfter {
		err := s.Read(ctx, b)
		if errors.Is(err, io.EOF) {
			return append(steps, "EOF")
		}
		require.NoError(t, err)
		ended := s.Ended()
		step := ""
		if b.Len > 0 {
			for i := 1; i < b.Len; i++ {
				require.Equal(t, b.Offset[i-1]+1, b.Offset[i], "offsets of one batch")
			}
			step = fmt.Sprintf("p%d %d-%d ", b.Partition, b.Offset[0], b.Offset[b.Len-1])
		} else if len(ended) == 0 {
			continue // nothing arrived within the poll interval
		}
		steps = append(steps, step+fmt.Sprintf("ended=%v", ended))
	}
	return steps
}

// mergeTopic loads topic "m": 5000 records in partition 0, 3000 in
// partition 1, none in partition 2.
func mergeTopic(t *testing.T) string {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"m": 3})
	var recs []kafkatest.Record
	for i := range 5000 {
		recs = append(recs, kafkatest.Record{Partition: 0, Value: event(baseTs+int64(i), "a", int64(i))})
		if i < 3000 {
			recs = append(recs, kafkatest.Record{Partition: 1, Value: event(baseTs+int64(i), "b", int64(i))})
		}
	}
	kafkatest.Produce(t, addr, "m", recs)
	return addr
}

// TestBoundedMergeOrderIsFixed: a bounded source delivers its partitions'
// records in (offset block, partition) order, whatever the fetches' timing,
// so that every run of a bounded query sees the same interleaving (and the
// same watermarks). Blocks are 2048 offsets. The empty partition 2 is ended
// by the first Read, before any record; each other partition ends with its
// last records.
func TestBoundedMergeOrderIsFixed(t *testing.T) {
	addr := mergeTopic(t)
	want := []string{
		"ended=[2]",
		"p0 0-2047 ended=[]",
		"p1 0-2047 ended=[]",
		"p0 2048-4095 ended=[]",
		"p1 2048-2999 ended=[1]",
		"p0 4096-4999 ended=[0]",
		"EOF",
	}
	for run := range 5 {
		s := openSource(t, sourceDef(addr, "m", "bounded", "latest"), nil, nil)
		require.Equal(t, want, readSteps(t, s, 0), "run %d", run)
		require.NoError(t, s.Close())
	}
}

// TestBoundedMergeResumes: a source restored from a snapshot taken between
// two Reads delivers the rest of the same sequence.
func TestBoundedMergeResumes(t *testing.T) {
	addr := mergeTopic(t)
	s1 := openSource(t, sourceDef(addr, "m", "bounded", "latest"), nil, nil)
	require.Equal(t, []string{"ended=[2]", "p0 0-2047 ended=[]", "p1 0-2047 ended=[]"}, readSteps(t, s1, 3))
	var snap bytesBuffer
	require.NoError(t, s1.Snapshot(&snap))
	require.NoError(t, s1.Close())

	s2 := openSource(t, sourceDef(addr, "m", "bounded", "latest"), nil, snap.b)
	require.Equal(t, []string{
		"ended=[2]",
		"p0 2048-4095 ended=[]",
		"p1 2048-2999 ended=[1]",
		"p0 4096-4999 ended=[0]",
		"EOF",
	}, readSteps(t, s2, 0))
}

// TestBoundedPartitionsEmptyAtStart: partitions with nothing to read end
// before the first record of any other partition is returned, so they never
// hold the watermark at −∞ for it; a single record ends its partition with
// it.
func TestBoundedPartitionsEmptyAtStart(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"e": 4})
	kafkatest.Produce(t, addr, "e", []kafkatest.Record{{Partition: 2, Value: event(baseTs, "a", 1)}})
	for range 5 {
		s := openSource(t, sourceDef(addr, "e", "bounded", "latest"), nil, nil)
		require.Equal(t, []string{"ended=[0 1 3]", "p2 0-0 ended=[2]", "EOF"}, readSteps(t, s, 0))
		require.NoError(t, s.Close())
	}
}
