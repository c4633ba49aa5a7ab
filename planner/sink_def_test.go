package planner

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/sql"
)

// planSink runs SinkDef on one CREATE SINK.
func planSink(t *testing.T, text string) (*catalog.Sink, error) {
	t.Helper()
	stmts, err := sql.Parse(text)
	require.NoError(t, err, text)
	cs, ok := stmts[0].(*sql.CreateSink)
	require.True(t, ok, "%T", stmts[0])
	return SinkDef(cs)
}

// TestSinkDefAccepted: each sink connector's documented options are
// accepted and stored under weir's names, the connector lower-cased; the
// Kafka sink's aliases of brokers are stored as brokers.
func TestSinkDefAccepted(t *testing.T) {
	for _, tc := range []struct {
		text string
		want catalog.Options
	}{
		{"CREATE SINK s FROM v WITH (connector = 'file', path = '/tmp/o.jsonl')",
			catalog.Options{"connector": "file", "path": "/tmp/o.jsonl"}},
		{"CREATE SINK s FROM v WITH (connector = 'File', path = 'o', format = 'JSON')",
			catalog.Options{"connector": "file", "path": "o", "format": "JSON"}},
		{"CREATE SINK s AS SELECT 1 AS x WITH (connector = 'kafka', topic = 't', brokers = 'k1:9092,k2:9092', format = 'json', key_columns = 'x')",
			catalog.Options{"connector": "kafka", "topic": "t", "brokers": "k1:9092,k2:9092", "format": "json", "key_columns": "x"}},
		// The Kafka source's names of the brokers: Flink's, quoted as Flink
		// writes it or not, and the Kafka client's.
		{"CREATE SINK s FROM v WITH (connector = 'kafka', topic = 't', 'properties.bootstrap.servers' = 'k1:9092,k2:9092')",
			catalog.Options{"connector": "kafka", "topic": "t", "brokers": "k1:9092,k2:9092"}},
		{"CREATE SINK s FROM v WITH (connector = 'kafka', topic = 't', properties.bootstrap.servers = 'k1:9092')",
			catalog.Options{"connector": "kafka", "topic": "t", "brokers": "k1:9092"}},
		{"CREATE SINK s FROM v WITH (connector = 'kafka', topic = 't', bootstrap.servers = 'k1:9092')",
			catalog.Options{"connector": "kafka", "topic": "t", "brokers": "k1:9092"}},
		{"CREATE SINK s FROM v WITH (connector = 'postgres', url = 'postgres://h/db', table = 'per_minute')",
			catalog.Options{"connector": "postgres", "url": "postgres://h/db", "table": "per_minute"}},
	} {
		def, err := planSink(t, tc.text)
		require.NoError(t, err, tc.text)
		require.Equal(t, tc.want["connector"], def.Connector, tc.text)
		require.Equal(t, tc.want, def.Options, tc.text)
		require.Equal(t, "s", def.Name, tc.text)
		require.Equal(t, tc.text, def.SQL, tc.text)
	}
	def, err := planSink(t, "CREATE SINK s FROM v WITH (connector = 'file', path = 'o')")
	require.NoError(t, err)
	require.Equal(t, "v", def.From)
}

// TestSinkDefErrors: each refused sink declaration gives a positioned
// error: at the offending option (here always at the start of line 2, so
// column 3 after the two spaces), at the connector's value's option, or at
// the statement (line 1, column 1) when an option is missing.
func TestSinkDefErrors(t *testing.T) {
	const (
		file  = "CREATE SINK s FROM v WITH (connector = 'file', path = 'o',\n  "
		kafka = "CREATE SINK s FROM v WITH (connector = 'kafka', topic = 't', brokers = 'b',\n  "
		pg    = "CREATE SINK s FROM v WITH (connector = 'postgres', url = 'postgres://h/db', table = 't',\n  "
	)
	for _, tc := range []struct{ text, want string }{
		// Unknown options, per connector.
		{file + "follow = 'true')",
			`line 2, column 3: unknown option "follow" for sink connector "file"; known options: connector, format, path (22023)`},
		{"CREATE SINK s FROM v WITH (connector = 'file',\n  pth = 'o')",
			`line 2, column 3: unknown option "pth" for sink connector "file" (did you mean "path"?); known options: connector, format, path (22023)`},
		{kafka + "partitioner = 'murmur2')",
			`line 2, column 3: unknown option "partitioner" for sink connector "kafka"; known options: brokers, connector, format, key_columns, topic (22023)`},
		{kafka + "key_column = 'x')",
			`line 2, column 3: unknown option "key_column" for sink connector "kafka" (did you mean "key_columns"?); known options: brokers, connector, format, key_columns, topic (22023)`},
		// The Kafka source's options and their aliases are not a sink's.
		{kafka + "group_id = 'g')",
			`line 2, column 3: unknown option "group_id" for sink connector "kafka"; known options: brokers, connector, format, key_columns, topic (22023)`},
		{kafka + "'properties.group.id' = 'g')",
			`line 2, column 3: unknown option "properties.group.id" for sink connector "kafka"; known options: brokers, connector, format, key_columns, topic (22023)`},
		{kafka + "'scan.startup.mode' = 'earliest-offset')",
			`line 2, column 3: unknown option "scan.startup.mode" for sink connector "kafka"; known options: brokers, connector, format, key_columns, topic (22023)`},
		{pg + "schema = 'public')",
			`line 2, column 3: unknown option "schema" for sink connector "postgres"; known options: connector, table, url (22023)`},
		{pg + "format = 'json')",
			`line 2, column 3: unknown option "format" for sink connector "postgres"; known options: connector, table, url (22023)`},
		// One option under two names, in either order; the error is at the
		// second and names the first given first.
		{kafka + "bootstrap.servers = 'b')",
			`line 2, column 3: options "brokers" and "bootstrap.servers" are two names of option "brokers"; give only one (22023)`},
		{kafka + "'properties.bootstrap.servers' = 'b')",
			`line 2, column 3: options "brokers" and "properties.bootstrap.servers" are two names of option "brokers"; give only one (22023)`},
		{"CREATE SINK s FROM v WITH (connector = 'kafka', topic = 't', bootstrap.servers = 'b',\n  brokers = 'b')",
			`line 2, column 3: options "bootstrap.servers" and "brokers" are two names of option "brokers"; give only one (22023)`},
		{"CREATE SINK s FROM v WITH (connector = 'kafka', topic = 't', bootstrap.servers = 'b',\n  properties.bootstrap.servers = 'b')",
			`line 2, column 3: options "bootstrap.servers" and "properties.bootstrap.servers" are two names of option "brokers"; give only one (22023)`},
		// The same name twice.
		{file + "path = 'p')",
			`line 2, column 3: option "path" specified more than once (22023)`},
		// Values.
		{file + "format = 'avro')",
			`line 2, column 3: option format = 'avro': expected one of json (22023)`},
		{"CREATE SINK s FROM v WITH (connector = 'kafka', topic = 't',\n  bootstrap.servers = ' ')",
			`line 2, column 3: option bootstrap.servers = ' ': expected a non-empty value (22023)`},
		// key_columns: distinct, non-empty names (the key is a JSON object
		// of them), in any case; at the option.
		{kafka + "key_columns = 'model,model')",
			`line 2, column 3: option key_columns = 'model,model': column "model" is named twice; the key is a JSON object of distinct columns (22023)`},
		{kafka + "key_columns = 'model, window_start ,MODEL')",
			`line 2, column 3: option key_columns = 'model, window_start ,MODEL': column "MODEL" is named twice; the key is a JSON object of distinct columns (22023)`},
		{kafka + "key_columns = 'model,,window_start')",
			`line 2, column 3: option key_columns = 'model,,window_start': expected column names separated by commas, found an empty name (22023)`},
		// Missing options: at the statement.
		{"CREATE SINK s FROM v WITH (path = 'o')",
			`line 1, column 1: sink "s" needs a connector option: WITH (connector = 'file' | 'kafka' | 'postgres', ...) (22023)`},
		{"CREATE SINK s FROM v WITH (connector = 'kafka', brokers = 'b')",
			`line 1, column 1: sink connector "kafka" needs option "topic" (22023)`},
		{"CREATE SINK s FROM v WITH (connector = 'kafka', topic = 't')",
			`line 1, column 1: sink connector "kafka" needs option "brokers" (22023)`},
		{"CREATE SINK s FROM v WITH (connector = 'file')",
			`line 1, column 1: sink connector "file" needs option "path" (22023)`},
		{"CREATE SINK s FROM v WITH (connector = 'postgres', url = 'postgres://h/db')",
			`line 1, column 1: sink connector "postgres" needs option "table" (22023)`},
		// Unknown connectors, at the connector option.
		{"CREATE SINK s FROM v WITH (path = 'o',\n  connector = 'fiel')",
			`line 2, column 3: unknown sink connector "fiel" (did you mean "file"?); expected file, kafka or postgres (22023)`},
		{"CREATE SINK s FROM v WITH (\n  connector = 'datagen')",
			`line 2, column 3: unknown sink connector "datagen"; expected file, kafka or postgres (22023)`},
	} {
		_, err := planSink(t, tc.text)
		require.Error(t, err, tc.text)
		require.Equal(t, tc.want+"\n", fmtErr(err), tc.text)
	}
}

// TestSinkAliasTable: every sink alias is the Kafka source's alias of the
// same option, checked the same way, and names an option of its sink.
func TestSinkAliasTable(t *testing.T) {
	for conn, aliases := range sinkConnectorAliases {
		specs, ok := sinkConnectorOptions[conn]
		require.True(t, ok, conn)
		for alias, a := range aliases {
			src, ok := connectorAliases[conn][alias]
			require.True(t, ok, "%s: sink alias %s is not a source alias", conn, alias)
			require.Equal(t, src.canonical, a.canonical, alias)
			require.Equal(t, src.spec, a.spec, alias)
			_, ok = specs[a.canonical]
			require.True(t, ok, "%s: alias %s of unknown option %s", conn, alias, a.canonical)
			_, clash := specs[alias]
			require.False(t, clash, "%s: alias %s is an option", conn, alias)
		}
	}
	// Every connector requires connector, and every name is lower case
	// (SinkDef matches the lower-cased keys against them).
	for conn, specs := range sinkConnectorOptions {
		require.True(t, specs["connector"].required, conn)
		for k := range specs {
			require.Equal(t, strings.ToLower(k), k, "%s: %s", conn, k)
		}
	}
}

// TestCheckSinkKeyColumns: a Kafka sink's key_columns must name output
// columns of its query (in any case); the error is at the option and lists
// them.
func TestCheckSinkKeyColumns(t *testing.T) {
	output := catalog.Schema{{Name: "window_start", Type: catalog.Timestamp}, {Name: "model", Type: catalog.Varchar}, {Name: "n", Type: catalog.Bigint}}
	parse := func(text string) *sql.CreateSink {
		stmts, err := sql.Parse(text)
		require.NoError(t, err, text)
		return stmts[0].(*sql.CreateSink)
	}
	const kafka = "CREATE SINK s FROM v WITH (connector = 'kafka', topic = 't', brokers = 'b',\n  "
	for _, ok := range []string{
		kafka + "key_columns = 'model')",
		kafka + "key_columns = 'MODEL, window_start')",
		kafka + "key_columns = '')",
		kafka + "format = 'json')",
		"CREATE SINK s FROM v WITH (connector = 'file', path = 'o')",
	} {
		require.NoError(t, CheckSinkKeyColumns(parse(ok), output), ok)
	}
	for _, tc := range []struct{ text, want string }{
		{kafka + "key_columns = 'nosuch')",
			`line 2, column 3: option key_columns names "nosuch", which is not an output column of the sink's query; output columns: window_start, model, n (42703)`},
		{kafka + "key_columns = 'model,modle')",
			`line 2, column 3: option key_columns names "modle", which is not an output column of the sink's query (did you mean "model"?); output columns: window_start, model, n (42703)`},
		{kafka + "key_columns = 'model,model')",
			`line 2, column 3: option key_columns = 'model,model': column "model" is named twice; the key is a JSON object of distinct columns (22023)`},
	} {
		err := CheckSinkKeyColumns(parse(tc.text), output)
		require.Error(t, err, tc.text)
		require.Equal(t, tc.want+"\n", fmtErr(err), tc.text)
	}
}
