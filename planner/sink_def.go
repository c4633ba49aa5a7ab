package planner

import (
	"sort"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/sql"
)

// sinkConnectorOptions lists each sink connector's options, connector
// included (docs/state.md, "Sinks"). Values the sink can only check against
// the query's output (key_columns) or a client library (the postgres url)
// are checked when the sink is built.
var sinkConnectorOptions = map[string]map[string]optSpec{
	"file": {
		"connector": {kind: optString, required: true},
		"path":      {kind: optString, required: true},
		"format":    {kind: optString, oneOf: []string{"json"}},
	},
	"kafka": {
		"connector":   {kind: optString, required: true},
		"topic":       {kind: optString, required: true},
		"brokers":     {kind: optString, required: true},
		"format":      {kind: optString, oneOf: []string{"json"}},
		"key_columns": {kind: optString},
	},
	"postgres": {
		"connector": {kind: optString, required: true},
		"url":       {kind: optString, required: true},
		"table":     {kind: optString, required: true},
	},
}

// sinkConnectorAliases lists each sink connector's option aliases. The
// Kafka sink takes the Kafka source's names of the brokers (Flink's and the
// Kafka client's), spelt and checked as the source takes them; the source's
// other aliases name options a sink does not have.
var sinkConnectorAliases = map[string]map[string]optAlias{
	"kafka": {
		"properties.bootstrap.servers": connectorAliases["kafka"]["properties.bootstrap.servers"],
		"bootstrap.servers":            connectorAliases["kafka"]["bootstrap.servers"],
	},
}

// sinkConnectors are the sink connectors, in the order errors list them.
var sinkConnectors = []string{"file", "kafka", "postgres"}

// SinkDef validates the WITH options of CREATE SINK and returns the catalog
// definition (name, connector, options, statement text, FROM view): a known
// connector (file, kafka, postgres) with its required options, no unknown
// or repeated option, and well-formed values, as SourceDef checks a
// source's. An alias of an option (properties.bootstrap.servers or
// bootstrap.servers for the Kafka sink's brokers) is stored under the
// option's own name; an option given under two names is an error naming
// both. Errors are *sql.Error positioned at the offending option, or at the
// statement when an option is missing. The query is planned separately.
func SinkDef(s *sql.CreateSink) (*catalog.Sink, error) {
	def := &catalog.Sink{Name: s.Name, Options: catalog.Options{}, SQL: s.Text(), From: s.From}
	given, err := optionsByKey(s.Options)
	if err != nil {
		return nil, err
	}
	conn, ok := given["connector"]
	if !ok {
		return nil, errf(s.StmtPos(), codeInvalidParameter, "sink %q needs a connector option: WITH (connector = 'file' | 'kafka' | 'postgres', ...)", s.Name)
	}
	def.Connector = strings.ToLower(strings.TrimSpace(conn.Value))
	specs, ok := sinkConnectorOptions[def.Connector]
	if !ok {
		return nil, errf(conn.At, codeInvalidParameter, "unknown sink connector %q%s; expected file, kafka or postgres", conn.Value, didYouMean(conn.Value, sinkConnectors))
	}
	known := func(k string) (optSpec, bool) { sp, ok := specs[k]; return sp, ok }
	values, err := resolveOptions(s.StmtPos(), s.Options, "sink connector", def.Connector, sinkOptionNames(specs), known, sinkConnectorAliases[def.Connector])
	if err != nil {
		return nil, err
	}
	if o, ok := given["key_columns"]; ok && def.Connector == "kafka" {
		if _, err := keyColumnNames(o); err != nil {
			return nil, err
		}
	}
	for k, v := range values {
		def.Options[k] = v
	}
	def.Options["connector"] = def.Connector
	return def, nil
}

// keyColumnNames splits a Kafka sink's key_columns option into its column
// names: none empty, none twice (the key is a JSON object of them, whose
// names must be distinct; names match columns in any case). An empty
// option names no column (the default key). Errors are at the option.
func keyColumnNames(o sql.Option) ([]string, error) {
	if strings.TrimSpace(o.Value) == "" {
		return nil, nil
	}
	var names []string
	for _, n := range strings.Split(o.Value, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, errf(o.At, codeInvalidParameter, "option key_columns = '%s': expected column names separated by commas, found an empty name", o.Value)
		}
		for _, m := range names {
			if strings.EqualFold(m, n) {
				return nil, errf(o.At, codeInvalidParameter, "option key_columns = '%s': column %q is named twice; the key is a JSON object of distinct columns", o.Value, n)
			}
		}
		names = append(names, n)
	}
	return names, nil
}

// CheckSinkKeyColumns checks a Kafka sink's key_columns option against
// output, the output columns of its query: each name must be one of them.
// The error is a *sql.Error at the option, naming the output columns. It
// does nothing for another connector or without the option; SinkDef has
// already checked the option's form.
func CheckSinkKeyColumns(s *sql.CreateSink, output catalog.Schema) error {
	given, err := optionsByKey(s.Options)
	if err != nil {
		return err
	}
	conn, ok := given["connector"]
	if !ok || !strings.EqualFold(strings.TrimSpace(conn.Value), "kafka") {
		return nil
	}
	o, ok := given["key_columns"]
	if !ok {
		return nil
	}
	names, err := keyColumnNames(o)
	if err != nil {
		return err
	}
	for _, n := range names {
		if output.Index(n) < 0 {
			return errf(o.At, codeUndefinedColumn, "option key_columns names %q, which is not an output column of the sink's query%s; output columns: %s",
				n, didYouMean(n, output.Names()), strings.Join(output.Names(), ", "))
		}
	}
	return nil
}

// sinkOptionNames lists a sink connector's options, sorted.
func sinkOptionNames(specs map[string]optSpec) []string {
	out := make([]string, 0, len(specs))
	for k := range specs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
