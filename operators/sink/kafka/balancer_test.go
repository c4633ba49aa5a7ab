package kafka

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Without --key-field every line is unkeyed and the lines go round robin:
// 30 lines over 3 partitions are 10 per partition (kafka-go's murmur2
// balancer with Consistent: true put every one in partition 0).
func TestProduceLinesSpreadsUnkeyedLines(t *testing.T) {
	_, addr := newCluster(t, "nokey", 3)
	var lines []string
	for i := range 30 {
		lines = append(lines, fmt.Sprintf(`{"n":%d}`, i))
	}
	n, err := ProduceLines(context.Background(), []string{addr}, "nokey", "", strings.NewReader(strings.Join(lines, "\n")))
	require.NoError(t, err)
	require.Equal(t, 30, n)
	perPartition := map[int]int{}
	for _, m := range readAll(t, addr, "nokey", 3) {
		require.Empty(t, m.key)
		perPartition[m.partition]++
	}
	require.Equal(t, map[int]int{0: 10, 1: 10, 2: 10}, perPartition)
}

// With --key-field, keyed lines keep Java's murmur2 partition while the
// lines without the field go round robin; an empty string is a key (the
// murmur2 of no bytes, as in Java), not a missing one.
func TestProduceLinesKeyedAndUnkeyed(t *testing.T) {
	_, addr := newCluster(t, "mixed", 3)
	var lines []string
	for i := range 12 {
		lines = append(lines, fmt.Sprintf(`{"model":"gpt-4","n":%d}`, i), fmt.Sprintf(`{"model":"","n":%d}`, i), fmt.Sprintf(`{"n":%d}`, i))
	}
	n, err := ProduceLines(context.Background(), []string{addr}, "mixed", "model", strings.NewReader(strings.Join(lines, "\n")))
	require.NoError(t, err)
	require.Equal(t, 36, n)
	javaPartition := func(key string) int { return int(javaMurmur2([]byte(key))&0x7fffffff) % 3 }
	keyed := map[string]map[int]int{} // key → partition → messages
	unkeyed := map[int]int{}
	for _, m := range readAll(t, addr, "mixed", 3) {
		switch {
		case strings.Contains(m.value, `"model":"gpt-4"`):
			require.Equal(t, "gpt-4", m.key)
		case strings.Contains(m.value, `"model":""`):
			require.Equal(t, "", m.key)
		default:
			unkeyed[m.partition]++
			continue
		}
		if keyed[m.key] == nil {
			keyed[m.key] = map[int]int{}
		}
		keyed[m.key][m.partition]++
	}
	require.Equal(t, map[string]map[int]int{"gpt-4": {javaPartition("gpt-4"): 12}, "": {javaPartition(""): 12}}, keyed)
	require.Equal(t, map[int]int{0: 4, 1: 4, 2: 4}, unkeyed)
}
