package kafka

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
)

// TestParseOptionsAliases: Flink's names of the options (and the Kafka
// client's bootstrap.servers) read as weir's, for definitions that did not
// come through the planner, which stores weir's names.
func TestParseOptionsAliases(t *testing.T) {
	o, err := ParseOptions(catalog.Options{
		"topic":                        "t",
		"properties.bootstrap.servers": "k1:9092, k2:9092",
		"properties.group.id":          "weir-m",
		"scan.startup.mode":            "latest-offset",
	})
	require.NoError(t, err)
	require.Equal(t, []string{"k1:9092", "k2:9092"}, o.Brokers)
	require.Equal(t, "weir-m", o.GroupID)
	require.Equal(t, StartLatest, o.StartOffset)

	o, err = ParseOptions(catalog.Options{"topic": "t", "bootstrap.servers": "k1:9092", "scan.startup.mode": "earliest-offset"})
	require.NoError(t, err)
	require.Equal(t, []string{"k1:9092"}, o.Brokers)
	require.Equal(t, StartEarliest, o.StartOffset)
}

// TestParseOptionsBothNames: an option under two names is an error naming
// both (sorted: a map has no order), not a random pick of one.
func TestParseOptionsBothNames(t *testing.T) {
	for _, tc := range []struct {
		opts catalog.Options
		want string
	}{
		{catalog.Options{"brokers": "a", "properties.bootstrap.servers": "b"}, `options "brokers" and "properties.bootstrap.servers" are two names of option "brokers"; give only one`},
		{catalog.Options{"bootstrap.servers": "a", "properties.bootstrap.servers": "b"}, `options "bootstrap.servers" and "properties.bootstrap.servers" are two names of option "brokers"; give only one`},
		{catalog.Options{"brokers": "a", "group_id": "g", "properties.group.id": "h"}, `options "group_id" and "properties.group.id" are two names of option "group_id"; give only one`},
		{catalog.Options{"brokers": "a", "start_offset": "latest", "scan.startup.mode": "latest-offset"}, `options "scan.startup.mode" and "start_offset" are two names of option "start_offset"; give only one`},
	} {
		tc.opts["topic"] = "t"
		for range 10 { // map order varies between runs of ParseOptions
			_, err := ParseOptions(tc.opts)
			require.EqualError(t, err, tc.want)
		}
	}
}
