package planner

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/sql"
)

// planSource runs SourceDef on one CREATE SOURCE.
func planSource(t *testing.T, text string) (*catalog.Source, error) {
	t.Helper()
	stmts, err := sql.Parse(text)
	require.NoError(t, err, text)
	cs, ok := stmts[0].(*sql.CreateSource)
	require.True(t, ok, "%T", stmts[0])
	return SourceDef(cs)
}

// TestKafkaAliasesEquivalent: a source declared with another system's
// option names has the same definition (connector and options; only the
// SQL text differs) as the one declared with weir's, so everything
// downstream of the planner sees one spelling.
func TestKafkaAliasesEquivalent(t *testing.T) {
	const head = "CREATE SOURCE m (ts TIMESTAMP, v BIGINT) WITH (connector = 'kafka', topic = 't', "
	for _, tc := range []struct{ weir, other string }{
		{"brokers = 'k1:9092,k2:9092'", "'properties.bootstrap.servers' = 'k1:9092,k2:9092'"},
		{"brokers = 'k1:9092'", "bootstrap.servers = 'k1:9092'"},
		{"brokers = 'b', group_id = 'weir-m'", "brokers = 'b', 'properties.group.id' = 'weir-m'"},
		{"brokers = 'b', start_offset = 'earliest'", "brokers = 'b', 'scan.startup.mode' = 'earliest-offset'"},
		{"brokers = 'b', start_offset = 'latest'", "brokers = 'b', 'scan.startup.mode' = 'Latest-Offset'"},
	} {
		want, err := planSource(t, head+tc.weir+")")
		require.NoError(t, err, tc.weir)
		got, err := planSource(t, head+tc.other+")")
		require.NoError(t, err, tc.other)
		require.Equal(t, want.Connector, got.Connector, tc.other)
		require.Equal(t, want.Options, got.Options, tc.other)
	}
}

// TestKafkaAliasesBothNames: every alias given together with weir's name
// of its option, in either order, is refused naming both, the first given
// first.
func TestKafkaAliasesBothNames(t *testing.T) {
	for alias, a := range connectorAliases["kafka"] {
		weir := fmt.Sprintf("%s = 'x'", a.canonical)
		other := fmt.Sprintf("'%s' = 'x'", alias)
		if a.canonical == "start_offset" {
			weir, other = "start_offset = 'earliest'", fmt.Sprintf("'%s' = 'earliest-offset'", alias)
		}
		rest := "brokers = 'b', "
		if a.canonical == "brokers" {
			rest = ""
		}
		for _, tc := range []struct{ first, second, want string }{
			{weir, other, fmt.Sprintf("options %q and %q", a.canonical, alias)},
			{other, weir, fmt.Sprintf("options %q and %q", alias, a.canonical)},
		} {
			text := "CREATE SOURCE m (ts TIMESTAMP) WITH (connector = 'kafka', topic = 't', " + rest + tc.first + ", " + tc.second + ")"
			_, err := planSource(t, text)
			require.Error(t, err, text)
			require.Contains(t, err.Error(), tc.want+fmt.Sprintf(" are two names of option %q; give only one", a.canonical), text)
		}
	}
}

// TestKafkaAliasTable: every alias names an option of its connector, is
// not itself an option, and translates its values into ones the option
// accepts.
func TestKafkaAliasTable(t *testing.T) {
	for conn, aliases := range connectorAliases {
		specs, ok := connectorOptions[conn]
		require.True(t, ok, conn)
		for alias, a := range aliases {
			sp, ok := specs[a.canonical]
			require.True(t, ok, "%s: alias %s of unknown option %s", conn, alias, a.canonical)
			_, clash := specs[alias]
			require.False(t, clash, "%s: alias %s is an option", conn, alias)
			for from, to := range a.values {
				require.NoError(t, checkOption(sql.Option{Key: alias, Value: from}, a.spec), "%s: %s", alias, from)
				require.NoError(t, checkOption(sql.Option{Key: a.canonical, Value: to}, sp), "%s: %s", alias, to)
			}
		}
	}
}
