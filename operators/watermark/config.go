package watermark

import (
	"fmt"
	"strings"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/expr"
)

// ConfigFromSource builds the Config of a declared source: TimeCol and
// DelayMs from its WATERMARK clause, and the options idle_timeout (an
// interval; default 0 = never idle unless defaultIdle is given),
// idle_advance (ParseIdleAdvance) and max_future_skew (an interval; default
// DefaultMaxFutureSkew, '0' disables). Intervals are Go durations ('5m',
// '300s') or '<n> <unit>' ('5 minutes'). It returns an error for a source
// without event time or a bad option value; the error does not name the
// source (the caller does).
func ConfigFromSource(def *catalog.Source, defaultIdle time.Duration, clock operators.Clock) (Config, error) {
	cfg := Config{IdleTimeout: defaultIdle, MaxFutureSkew: DefaultMaxFutureSkew, Clock: clock}
	if def.Watermark == nil {
		return cfg, fmt.Errorf("the source has no WATERMARK clause")
	}
	cfg.TimeCol = def.Schema.Index(def.Watermark.Column)
	if cfg.TimeCol < 0 {
		return cfg, fmt.Errorf("watermark column %q is not declared", def.Watermark.Column)
	}
	if typ := def.Schema[cfg.TimeCol].Type; typ != catalog.Timestamp {
		return cfg, fmt.Errorf("watermark column %q is %s, expected TIMESTAMP", def.Watermark.Column, typ)
	}
	cfg.DelayMs = def.Watermark.DelayMs
	var err error
	if v, ok := def.Options.Get("idle_timeout"); ok {
		if cfg.IdleTimeout, err = catalog.ParseDuration(v); err != nil {
			return cfg, fmt.Errorf("option idle_timeout: %w", err)
		}
	}
	if v, ok := def.Options.Get("max_future_skew"); ok {
		if cfg.MaxFutureSkew, err = catalog.ParseDuration(v); err != nil {
			return cfg, fmt.Errorf("option max_future_skew: %w", err)
		}
	}
	if v, ok := def.Options.Get("idle_advance"); ok {
		if cfg.IdleAdvance, err = ParseIdleAdvance(v); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// ParseIdleAdvance reads the idle_advance option. It accepts what the
// planner accepts for a boolean option (expr.ParseBool: true/false, t/f,
// yes/no, y/n, on/off, 1/0, in any case, around spaces), so that every
// reader of the option agrees with CREATE SOURCE's check.
func ParseIdleAdvance(v string) (bool, error) {
	b, ok := expr.ParseBool(strings.TrimSpace(v))
	if !ok {
		return false, fmt.Errorf("option idle_advance = '%s': expected true or false", v)
	}
	return b, nil
}
