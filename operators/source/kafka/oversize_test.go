package kafka

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/operators"
)

// A record over the size limit and a tombstone (null value) are dead
// letters; the records around them are read and the query goes on
// (SEMANTICS.md §7). The oversize record's dead letter has an empty
// payload.
func TestOversizeAndTombstoneRecordsAreDeadLetters(t *testing.T) {
	old := maxRecordSize
	maxRecordSize = 100
	t.Cleanup(func() { maxRecordSize = old }) // runs after the source's Close
	_, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 1})
	big := `{"ts":2000,"model":"` + strings.Repeat("x", 150) + `","latency_ms":1}`
	kafkatest.Produce(t, addr, "llm-metrics", []kafkatest.Record{
		{Value: event(1000, "gpt-4o", 10)},
		{Value: big},
		{Null: true},
		{Value: ""},
		{Value: event(3000, "gpt-4o", 30)},
	})
	dl := &deadLetters{}
	s := openSource(t, sourceDef(addr, "llm-metrics", "bounded", "latest"), dl, nil)
	rows, _, err := readUntil(t, s, never)
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, []string{"p0@0 ts=1000 gpt-4o 10", "p0@4 ts=3000 gpt-4o 30"}, rowStrings(rows))
	got := dl.all()
	require.Len(t, got, 3)
	require.Equal(t, ReasonTooLarge, got[0].Reason)
	require.Equal(t, int64(1), got[0].Offset)
	require.Equal(t, "record value of 187 bytes is over the limit of 100 bytes; payload not kept", got[0].Detail)
	require.Empty(t, got[0].Payload)
	require.Equal(t, operators.ReasonMalformed, got[1].Reason)
	require.Equal(t, int64(2), got[1].Offset)
	require.Equal(t, "null value (tombstone)", got[1].Detail)
	require.Empty(t, got[1].Payload)
	// An empty (not null) value is malformed JSON, not a tombstone.
	require.Equal(t, operators.ReasonMalformed, got[2].Reason)
	require.Equal(t, int64(3), got[2].Offset)
	require.NotContains(t, got[2].Detail, "tombstone")
	for _, d := range got {
		require.Equal(t, "metrics", d.Source)
		require.Equal(t, int32(0), d.Partition)
	}
}

func rowStrings(rows []row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.String()
	}
	return out
}
