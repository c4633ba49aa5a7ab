package kafka

import (
	"fmt"
	"strings"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/watermark"
)

// StartOffset says where a partition without a restored offset starts.
type StartOffset uint8

// The start offsets of the `start_offset` option.
const (
	StartEarliest StartOffset = iota // the first offset still retained
	StartLatest                      // the end of the partition at Open
)

// optionAliases maps other systems' names of options to weir's: Flink's
// Kafka connector's, and the Kafka client's bootstrap.servers.
var optionAliases = map[string]string{
	"properties.bootstrap.servers": "brokers",
	"bootstrap.servers":            "brokers",
	"properties.group.id":          "group_id",
	"scan.startup.mode":            "start_offset",
}

// canonicalOption is weir's name of option k.
func canonicalOption(k string) string {
	k = strings.ToLower(k)
	if a, ok := optionAliases[k]; ok {
		return a
	}
	return k
}

// Options are a Kafka source's parsed WITH options (SPEC.md, connector
// 'kafka'). The runtime reads IdleTimeout and IdleAdvance to configure the
// source's watermark assigner.
type Options struct {
	Topic   string
	Brokers []string
	// GroupID, when set, is the consumer group the source commits its
	// checkpointed offsets to, for monitoring only (see Source.CommitSnapshot).
	// Partitions are never assigned through the group.
	GroupID     string
	StartOffset StartOffset
	// Bounded is true with bounded = 'latest': each partition is read up to
	// the end offset seen at Open, then ends.
	Bounded bool
	// IdleTimeout is the idle_timeout option; zero when absent (the engine
	// default applies).
	IdleTimeout time.Duration
	// IdleAdvance is idle_advance = 'true'.
	IdleAdvance bool
	// DeadLetterTopic is the dead_letter_topic option, "" when absent.
	DeadLetterTopic string
	// CommitInterval is the commit_interval option: how often a query that
	// takes no checkpoints commits its read positions to GroupID
	// (DefaultCommitInterval when absent). See PositionCommits.
	CommitInterval time.Duration
}

// DefaultCommitInterval is the commit_interval of a source that does not
// set one: Kafka's own consumer default (auto.commit.interval.ms = 5000).
const DefaultCommitInterval = 5 * time.Second

// ParseOptions reads a Kafka source's options and checks the values of the
// Kafka-specific ones. It does not reject options it does not use: the
// planner (planner.SourceDef) already refused unknown options and checked
// the common ones every source accepts (connector, format, max_future_skew,
// idle_timeout), which the runtime applies.
//
// Other systems' names of options (optionAliases; scan.startup.mode takes
// 'earliest-offset' or 'latest-offset') are read as weir's. planner.SourceDef
// already stores them under weir's names, but a definition may come from
// elsewhere. One option under two names is an error.
//
// Errors name the option and what was expected, without the source's name:
// NewSource and the runtime add it.
func ParseOptions(opts catalog.Options) (Options, error) {
	o := Options{CommitInterval: DefaultCommitInterval}
	byName := map[string]string{} // canonical name → the key that set it
	for k := range opts {
		c := canonicalOption(k)
		if prev, dup := byName[c]; dup {
			a, b := min(prev, k), max(prev, k)
			return o, fmt.Errorf("options %q and %q are two names of option %q; give only one", a, b, c)
		}
		byName[c] = k
	}
	for k, v := range opts {
		switch canonicalOption(k) {
		case "topic":
			o.Topic = strings.TrimSpace(v)
		case "brokers":
			o.Brokers = append(o.Brokers, catalog.SplitList(v)...)
		case "group_id":
			o.GroupID = strings.TrimSpace(v)
		case "start_offset":
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "earliest", "earliest-offset":
				o.StartOffset = StartEarliest
			case "latest", "latest-offset":
				o.StartOffset = StartLatest
			default:
				return o, fmt.Errorf("option start_offset must be 'earliest' or 'latest', got %q", v)
			}
		case "bounded":
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "latest", "true":
				o.Bounded = true
			case "", "false", "none":
				o.Bounded = false
			default:
				return o, fmt.Errorf("option bounded must be 'latest', got %q", v)
			}
		case "format":
			if !strings.EqualFold(strings.TrimSpace(v), "json") {
				return o, fmt.Errorf("option format = %q is not supported: expected 'json'", v)
			}
		case "idle_timeout":
			d, err := catalog.ParseDuration(v)
			if err != nil {
				return o, fmt.Errorf("option idle_timeout: %w", err)
			}
			o.IdleTimeout = d
		case "idle_advance":
			b, err := watermark.ParseIdleAdvance(v)
			if err != nil {
				return o, err
			}
			o.IdleAdvance = b
		case "dead_letter_topic":
			o.DeadLetterTopic = strings.TrimSpace(v)
		case "commit_interval":
			d, err := catalog.ParseDuration(v)
			if err != nil {
				return o, fmt.Errorf("option commit_interval: %w", err)
			}
			if d <= 0 {
				return o, fmt.Errorf("option commit_interval = %q: expected a positive interval such as '5s'", v)
			}
			o.CommitInterval = d
		}
	}
	if o.Topic == "" {
		return o, fmt.Errorf("option 'topic' is required")
	}
	if len(o.Brokers) == 0 {
		return o, fmt.Errorf("option 'brokers' is required")
	}
	return o, nil
}
