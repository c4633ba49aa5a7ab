package kafka

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProduceLinesKeysByField(t *testing.T) {
	_, addr := newCluster(t, "events", 3)
	in := strings.Join([]string{
		`{"model":"gpt-4","n":1}`,
		``,
		`{"model":"claude","n":2}`,
		`  {"model":"gpt-4","n":3}  `,
		`{"n":4}`,
		`not json`,
		`{"model":7,"n":5}`,
	}, "\n")
	n, err := ProduceLines(context.Background(), []string{addr}, "events", "model", strings.NewReader(in))
	require.NoError(t, err)
	require.Equal(t, 6, n)
	got := readAll(t, addr, "events", 3)
	require.Len(t, got, 6)
	keys := map[string]string{}
	parts := map[string]int{}
	for _, m := range got {
		keys[m.value] = m.key
		if m.key == "gpt-4" {
			parts[m.value] = m.partition
		}
	}
	require.Equal(t, map[string]string{
		`{"model":"gpt-4","n":1}`:  "gpt-4",
		`{"model":"claude","n":2}`: "claude",
		`{"model":"gpt-4","n":3}`:  "gpt-4",
		`{"n":4}`:                  "",
		`not json`:                 "",
		`{"model":7,"n":5}`:        "7",
	}, keys)
	// One key, one partition: the Java client's murmur2 choice.
	want := int(javaMurmur2([]byte("gpt-4"))&0x7fffffff) % 3
	require.Equal(t, map[string]int{`{"model":"gpt-4","n":1}`: want, `{"model":"gpt-4","n":3}`: want}, parts)
}
