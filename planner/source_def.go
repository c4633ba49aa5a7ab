package planner

import (
	"sort"
	"strconv"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/expr"
	"github.com/weirdb/weir/sql"
)

// optKind is how an option's value is checked.
type optKind uint8

const (
	optString optKind = iota
	optDuration
	optPosDuration // a duration greater than zero
	optBool
	optUint
	optInt
	optTimestamp
)

// optSpec describes one connector option.
type optSpec struct {
	kind     optKind
	required bool
	oneOf    []string // allowed values (lower case), when set
}

// commonSourceOptions are accepted by every connector.
var commonSourceOptions = map[string]optSpec{
	"connector":       {kind: optString, required: true},
	"format":          {kind: optString, oneOf: []string{"json"}},
	"max_future_skew": {kind: optDuration},
	"idle_timeout":    {kind: optDuration},
}

// connectorOptions lists each source connector's own options (SPEC.md,
// "Connectors").
var connectorOptions = map[string]map[string]optSpec{
	"kafka": {
		"topic":             {kind: optString, required: true},
		"brokers":           {kind: optString, required: true},
		"group_id":          {kind: optString},
		"start_offset":      {kind: optString, oneOf: []string{"earliest", "latest"}},
		"bounded":           {kind: optString, oneOf: []string{"latest"}},
		"idle_advance":      {kind: optBool},
		"dead_letter_topic": {kind: optString},
		"commit_interval":   {kind: optPosDuration},
	},
	"file": {
		"path":             {kind: optString, required: true},
		"follow":           {kind: optBool},
		"dead_letter_path": {kind: optString},
	},
	"datagen": {
		"kind": {kind: optString, required: true, oneOf: []string{
			"llm_metrics", "llm_feedback", "system_health", "bid", "auction", "person"}},
		"rate":             {kind: optUint},
		"count":            {kind: optUint},
		"seed":             {kind: optInt},
		"max_out_of_order": {kind: optDuration},
		"event_interval":   {kind: optDuration},
		"start_time":       {kind: optTimestamp},
		"dead_letter_path": {kind: optString},
	},
}

// optAlias is another name of a connector option: the spelling of another
// system (Flink's Kafka connector), so that its DDL carries over.
type optAlias struct {
	canonical string
	spec      optSpec           // how the alias's value is checked
	values    map[string]string // alias value (lower case) → canonical value; nil: the same
}

// connectorAliases lists each source connector's option aliases. The
// catalog definition holds the canonical name and value.
var connectorAliases = map[string]map[string]optAlias{
	"kafka": {
		// Flink's names, and Kafka's own client property, which the Kafka
		// source and sink have always parsed.
		"properties.bootstrap.servers": {canonical: "brokers", spec: optSpec{kind: optString}},
		"bootstrap.servers":            {canonical: "brokers", spec: optSpec{kind: optString}},
		"properties.group.id":          {canonical: "group_id", spec: optSpec{kind: optString}},
		"scan.startup.mode": {canonical: "start_offset",
			spec:   optSpec{kind: optString, oneOf: []string{"earliest-offset", "latest-offset"}},
			values: map[string]string{"earliest-offset": "earliest", "latest-offset": "latest"}},
	},
}

// SourceDef validates CREATE SOURCE and returns the catalog definition:
// known types and unique names for the columns, a WATERMARK on an existing
// TIMESTAMP column with a non-negative delay, a known connector (file,
// datagen, kafka) with its required options, no unknown or repeated option,
// and well-formed option values (durations such as '5m', '300s' or
// '2 minutes'; booleans, any spelling expr.ParseBool reads, stored as 'true'
// or 'false'; counts). An alias of an option (Flink's
// properties.bootstrap.servers for the Kafka connector's brokers, see
// connectorAliases) is stored under the option's own name and value; an
// option given under two names is an error naming both. Errors are
// *sql.Error positioned at the offending column or option.
func SourceDef(s *sql.CreateSource) (*catalog.Source, error) {
	src := &catalog.Source{Name: s.Name, Options: catalog.Options{}, SQL: s.Text()}
	if len(s.Columns) == 0 {
		return nil, errf(s.StmtPos(), codeInvalidDefinition, "source %q has no columns", s.Name)
	}
	for _, c := range s.Columns {
		if src.Schema.Index(c.Name) >= 0 {
			return nil, errf(c.At, codeDuplicateColumn, "column %q specified more than once", c.Name)
		}
		if c.Type == catalog.Unknown {
			return nil, errf(c.At, codeUndefinedObject, "column %q has no known type (expected BIGINT, DOUBLE, VARCHAR, BOOLEAN or TIMESTAMP)", c.Name)
		}
		src.Schema = append(src.Schema, catalog.Column{Name: c.Name, Type: c.Type})
	}
	if w := s.Watermark; w != nil {
		i := src.Schema.Index(w.Column)
		if i < 0 {
			return nil, errf(w.At, codeUndefinedColumn, "watermark column %q is not a column of %q%s", w.Column, s.Name, didYouMean(w.Column, src.Schema.Names()))
		}
		if t := src.Schema[i].Type; t != catalog.Timestamp {
			return nil, errf(w.At, codeDatatypeMismatch, "watermark column %q must be TIMESTAMP, not %s", w.Column, t)
		}
		if w.Delay.Ms < 0 {
			return nil, errf(w.Delay.At, codeInvalidParameter, "watermark delay must not be negative")
		}
		src.Watermark = &catalog.Watermark{Column: src.Schema[i].Name, DelayMs: w.Delay.Ms}
	}
	given, err := optionsByKey(s.Options)
	if err != nil {
		return nil, err
	}
	conn, ok := given["connector"]
	if !ok {
		return nil, errf(s.StmtPos(), codeInvalidParameter, "source %q needs a connector option: WITH (connector = 'kafka' | 'file' | 'datagen', ...)", s.Name)
	}
	src.Connector = strings.ToLower(conn.Value)
	specs, ok := connectorOptions[src.Connector]
	if !ok {
		return nil, errf(conn.At, codeInvalidParameter, "unknown connector %q%s; expected kafka, file or datagen", conn.Value, didYouMean(conn.Value, []string{"kafka", "file", "datagen"}))
	}
	aliases := connectorAliases[src.Connector]
	known := func(k string) (optSpec, bool) {
		if sp, ok := specs[k]; ok {
			return sp, true
		}
		sp, ok := commonSourceOptions[k]
		return sp, ok
	}
	values, err := resolveOptions(s.StmtPos(), s.Options, "connector", src.Connector, optionNames(specs), known, aliases)
	if err != nil {
		return nil, err
	}
	for k, v := range values {
		if sp, _ := known(k); sp.kind == optBool {
			// One spelling for the connectors and the watermark assigner,
			// whatever boolean spelling checkOption accepted.
			b, _ := expr.ParseBool(strings.TrimSpace(v))
			v = strconv.FormatBool(b)
		}
		src.Options[k] = v
	}
	return src, nil
}

// optionNames lists the options of a connector and the common ones, sorted.
func optionNames(specs map[string]optSpec) []string {
	var out []string
	for k := range specs {
		out = append(out, k)
	}
	for k := range commonSourceOptions {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// aliasNames lists the aliases of a connector's options, sorted.
func aliasNames(aliases map[string]optAlias) []string {
	var out []string
	for k := range aliases {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkOption validates one option's value.
func checkOption(o sql.Option, sp optSpec) error {
	v := strings.TrimSpace(o.Value)
	bad := func(expected string) error {
		return errf(o.At, codeInvalidParameter, "option %s = '%s': expected %s", o.Key, o.Value, expected)
	}
	if sp.oneOf != nil {
		for _, a := range sp.oneOf {
			if strings.EqualFold(v, a) {
				return nil
			}
		}
		return bad("one of " + strings.Join(sp.oneOf, ", "))
	}
	switch sp.kind {
	case optString:
		if v == "" {
			return bad("a non-empty value")
		}
	case optDuration:
		if _, err := catalog.ParseDuration(v); err != nil {
			return bad("a duration such as '5m', '300s' or '2 minutes'")
		}
	case optPosDuration:
		if d, err := catalog.ParseDuration(v); err != nil || d <= 0 {
			return bad("a positive duration such as '5s', '1m' or '2 minutes'")
		}
	case optBool:
		if _, ok := expr.ParseBool(v); !ok {
			return bad("true or false")
		}
	case optUint:
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 {
			return bad("a non-negative integer")
		}
	case optInt:
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return bad("an integer")
		}
	case optTimestamp:
		if _, ok := expr.ParseTimestamp(v); !ok {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return bad("a timestamp such as '2026-11-09T14:35:00Z' or epoch milliseconds")
			}
		}
	}
	return nil
}
