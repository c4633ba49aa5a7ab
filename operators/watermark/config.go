package watermark

import (
	"fmt"
	"strings"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
)

// ConfigFromSource builds the Config of a declared source: TimeCol and
// DelayMs from its WATERMARK clause, and the options idle_timeout (an
// interval; default 0 = never idle unless defaultIdle is given),
// idle_advance ('true' | 'false') and max_future_skew (an interval; default
// DefaultMaxFutureSkew, '0' disables). Intervals are Go durations ('5m',
// '300s') or '<n> <unit>' ('5 minutes'). It returns an error for a source
// without event time or a bad option value.
func ConfigFromSource(def *catalog.Source, defaultIdle time.Duration, clock operators.Clock) (Config, error) {
	cfg := Config{IdleTimeout: defaultIdle, MaxFutureSkew: DefaultMaxFutureSkew, Clock: clock}
	if def.Watermark == nil {
		return cfg, fmt.Errorf("watermark: source %q has no WATERMARK clause", def.Name)
	}
	cfg.TimeCol = def.Schema.Index(def.Watermark.Column)
	if cfg.TimeCol < 0 {
		return cfg, fmt.Errorf("watermark: source %q: column %q is not declared", def.Name, def.Watermark.Column)
	}
	if typ := def.Schema[cfg.TimeCol].Type; typ != catalog.Timestamp {
		return cfg, fmt.Errorf("watermark: source %q: column %q is %s, expected TIMESTAMP", def.Name, def.Watermark.Column, typ)
	}
	cfg.DelayMs = def.Watermark.DelayMs
	var err error
	if v, ok := def.Options.Get("idle_timeout"); ok {
		if cfg.IdleTimeout, err = catalog.ParseDuration(v); err != nil {
			return cfg, fmt.Errorf("watermark: source %q: idle_timeout: %w", def.Name, err)
		}
	}
	if v, ok := def.Options.Get("max_future_skew"); ok {
		if cfg.MaxFutureSkew, err = catalog.ParseDuration(v); err != nil {
			return cfg, fmt.Errorf("watermark: source %q: max_future_skew: %w", def.Name, err)
		}
	}
	if v, ok := def.Options.Get("idle_advance"); ok {
		switch strings.ToLower(v) {
		case "true":
			cfg.IdleAdvance = true
		case "false":
		default:
			return cfg, fmt.Errorf("watermark: source %q: idle_advance must be 'true' or 'false', got %q", def.Name, v)
		}
	}
	return cfg, nil
}
