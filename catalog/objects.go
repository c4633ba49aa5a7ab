package catalog

import "strings"

// Watermark declares a source's event-time column and its bounded
// out-of-orderness: WATERMARK FOR Column AS Column - Delay.
type Watermark struct {
	Column  string
	DelayMs int64
}

// Options are the WITH (key = value) options of a source or sink. Keys are
// lower-cased by the front end.
type Options map[string]string

// Get returns the option's value and whether it was set.
func (o Options) Get(key string) (string, bool) {
	v, ok := o[strings.ToLower(key)]
	return v, ok
}

// SplitList splits a comma-separated option value (e.g. Kafka brokers)
// into its trimmed, non-empty items.
func SplitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Source is a declared source (CREATE SOURCE).
type Source struct {
	Name      string
	Schema    Schema
	Watermark *Watermark // nil: the source has no event time
	Connector string     // "file", "datagen", "kafka"
	Options   Options
	SQL       string // the statement's text as the user wrote it
}

// Sink is a declared sink (CREATE SINK).
type Sink struct {
	Name      string
	Connector string // "kafka", "postgres", "file"
	Options   Options
	From      string // view name, or "" when the sink has its own query
	SQL       string
}

// View is a declared view. A materialized view runs continuously; a plain
// view is a named query expanded where it is used.
type View struct {
	Name         string
	Materialized bool
	Schema       Schema
	SQL          string // the full CREATE statement
	QuerySQL     string // the query part
}
