package kafka

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/weirdb/weir/catalog"
)

// optionAliases maps other systems' names of the sink's options to weir's:
// Flink's and the Kafka client's names of the brokers, as the Kafka source
// takes them.
var optionAliases = map[string]string{
	"properties.bootstrap.servers": "brokers",
	"bootstrap.servers":            "brokers",
}

// knownOptions are the sink's options under weir's names.
var knownOptions = []string{"connector", "topic", "brokers", "format", "key_columns"}

// options are a Kafka sink's parsed WITH options.
type options struct {
	topic      string
	brokers    []string
	keyColumns string // key_columns as given, "" when absent
}

// parseOptions reads a Kafka sink's options. The planner (planner.SinkDef)
// has already refused unknown options and stored aliases under weir's
// names, but a definition may come from elsewhere, so this checks again:
// an unknown option, or one option under two names (brokers and
// bootstrap.servers), is an error.
func parseOptions(def *catalog.Sink) (options, error) {
	var o options
	byName := map[string]string{} // weir's name → the key that set it
	for k := range def.Options {
		c := strings.ToLower(k)
		if a, ok := optionAliases[c]; ok {
			c = a
		}
		if prev, dup := byName[c]; dup {
			a, b := min(prev, k), max(prev, k)
			return o, fmt.Errorf("sink %s: options %q and %q are two names of option %q; give only one", def.Name, a, b, c)
		}
		byName[c] = k
	}
	// In name order, so that of several bad options the same one is reported.
	for _, c := range slices.Sorted(maps.Keys(byName)) {
		k := byName[c]
		v := def.Options[k]
		switch c {
		case "connector":
		case "topic":
			o.topic = strings.TrimSpace(v)
		case "brokers":
			o.brokers = append(o.brokers, catalog.SplitList(v)...)
		case "format":
			if !strings.EqualFold(strings.TrimSpace(v), "json") {
				return o, fmt.Errorf("sink %s: option format = %q is not supported: expected 'json'", def.Name, v)
			}
		case "key_columns":
			o.keyColumns = v
		default:
			return o, fmt.Errorf("sink %s: unknown option %q; known options: %s", def.Name, k, strings.Join(knownOptions, ", "))
		}
	}
	if o.topic == "" {
		return o, fmt.Errorf("sink %s: option 'topic' is required", def.Name)
	}
	if len(o.brokers) == 0 {
		return o, fmt.Errorf("sink %s: option 'brokers' is required", def.Name)
	}
	return o, nil
}
