package kafka

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
)

// TestSinkOptionAliases: the brokers are read under any of the Kafka
// source's names (case-insensitively, as catalog keys may come from
// elsewhere than the planner), never merged from two names.
func TestSinkOptionAliases(t *testing.T) {
	for _, k := range []string{"brokers", "bootstrap.servers", "properties.bootstrap.servers", "Bootstrap.Servers"} {
		s, err := New(&catalog.Sink{Name: "out", Options: catalog.Options{"topic": "t", k: " k1:9092 , k2:9092 "}}, resultSchema)
		require.NoError(t, err, k)
		require.Equal(t, []string{"k1:9092", "k2:9092"}, s.(*Sink).brokers, k)
	}
	// Two names of brokers: refused, naming both in name order (a catalog
	// definition is a map and has no order of its own).
	for _, tc := range []struct {
		opts catalog.Options
		err  string
	}{
		{catalog.Options{"topic": "t", "brokers": "a:1", "bootstrap.servers": "b:1"},
			`sink out: options "bootstrap.servers" and "brokers" are two names of option "brokers"; give only one`},
		{catalog.Options{"topic": "t", "brokers": "a:1", "properties.bootstrap.servers": "b:1"},
			`sink out: options "brokers" and "properties.bootstrap.servers" are two names of option "brokers"; give only one`},
		{catalog.Options{"topic": "t", "bootstrap.servers": "a:1", "properties.bootstrap.servers": "b:1"},
			`sink out: options "bootstrap.servers" and "properties.bootstrap.servers" are two names of option "brokers"; give only one`},
		// The source's other aliases are not the sink's.
		{catalog.Options{"topic": "t", "brokers": "a:1", "properties.group.id": "g"},
			`sink out: unknown option "properties.group.id"; known options: connector, topic, brokers, format, key_columns`},
		{catalog.Options{"topic": "t", "brokers": "a:1", "group_id": "g"},
			`sink out: unknown option "group_id"; known options: connector, topic, brokers, format, key_columns`},
	} {
		_, err := New(&catalog.Sink{Name: "out", Options: tc.opts}, resultSchema)
		require.EqualError(t, err, tc.err)
	}
	// Every documented option at once.
	s, err := New(&catalog.Sink{Name: "out", Options: catalog.Options{"connector": "kafka", "topic": " t ",
		"brokers": "b:1", "format": "JSON", "key_columns": "model"}}, resultSchema)
	require.NoError(t, err)
	require.Equal(t, "t", s.(*Sink).topic)
	require.Equal(t, []int{resultSchema.Index("model")}, s.(*Sink).KeyCols())
}
