package runtime_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/sql"
)

// TestSinkOptionsRefused: CREATE SINK refuses, for each sink connector, an
// unknown option at its position (line 2, column 3: after two spaces), and
// for the Kafka sink one option under two names, at the second name; no
// sink is created, and a correct declaration of the same name then is.
func TestSinkOptionsRefused(t *testing.T) {
	eng := boundedEngine(t)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	exec := func(text string) error {
		stmts, err := sql.Parse(text)
		require.NoError(t, err, text)
		require.Len(t, stmts, 1, text)
		_, err = eng.Exec(context.Background(), stmts[0], nil)
		return err
	}
	for _, tc := range []struct{ text, msg string }{
		{fmt.Sprintf("CREATE SINK s FROM v WITH (connector = 'file', path = '%s',\n  follow = 'true')", out),
			`unknown option "follow" for sink connector "file"; known options: connector, format, path`},
		{"CREATE SINK s FROM v WITH (connector = 'kafka', topic = 't', brokers = 'b:9092',\n  partitioner = 'murmur2')",
			`unknown option "partitioner" for sink connector "kafka"; known options: brokers, connector, format, key_columns, topic`},
		{"CREATE SINK s FROM v WITH (connector = 'postgres', url = 'postgres://h/db', table = 't',\n  schema = 'public')",
			`unknown option "schema" for sink connector "postgres"; known options: connector, table, url`},
		{"CREATE SINK s FROM v WITH (connector = 'kafka', topic = 't', brokers = 'a:9092',\n  'properties.bootstrap.servers' = 'b:9092')",
			`options "brokers" and "properties.bootstrap.servers" are two names of option "brokers"; give only one`},
		{"CREATE SINK s FROM v WITH (connector = 'kafka', topic = 't', bootstrap.servers = 'a:9092',\n  brokers = 'b:9092')",
			`options "bootstrap.servers" and "brokers" are two names of option "brokers"; give only one`},
	} {
		se := sqlErr(t, exec(tc.text), "22023", 2, 3)
		require.Equal(t, tc.msg, se.Msg, tc.text)
	}
	require.Empty(t, readRows(t, eng, "SHOW SINKS;"))
	require.NoError(t, exec(fmt.Sprintf("CREATE SINK s FROM v WITH (connector = 'file', path = '%s', format = 'json')", out)))
	require.Len(t, readRows(t, eng, "SHOW SINKS;"), 1)
}

// TestKafkaSinkBrokersAlias: a Kafka sink declared with Flink's name of the
// brokers writes to them. The sink runs v's query over m (see
// boundedSource): windows 10:00 (a 1, b 1) and 10:01 (a 1), all final at the
// end of the file.
func TestKafkaSinkBrokersAlias(t *testing.T) {
	_, addr := newKafkaCluster(t, map[string]int32{"results": 1})
	eng := boundedEngine(t)
	res := execAll(t, eng, fmt.Sprintf(`CREATE SINK out FROM v
  WITH (connector = 'kafka', topic = 'results', 'properties.bootstrap.servers' = '%s');`, addr))
	q := res[0].Query
	require.NotNil(t, q)
	require.NoError(t, waitQuery(t, q))
	var got []string
	for _, m := range readBack(t, addr, "results", 1) {
		got = append(got, string(m.Value))
	}
	sort.Strings(got)
	require.Equal(t, []string{
		`{"window_start":"2026-11-09T10:00:00.000Z","model":"a","n":1,"_emit":"final"}`,
		`{"window_start":"2026-11-09T10:00:00.000Z","model":"b","n":1,"_emit":"final"}`,
		`{"window_start":"2026-11-09T10:01:00.000Z","model":"a","n":1,"_emit":"final"}`,
	}, got)
}
