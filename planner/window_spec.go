package planner

import (
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/window"
	"github.com/weirdb/weir/sql"
)

// windowSpec checks a window TVF's time column and intervals against its
// input and returns the spec's window part (kind and sizes).
//
// Rules: the time column must be the input's WATERMARK column (a source
// without one has no event time). TUMBLE: size > 0 and |offset| < size.
// HOP: slide > 0, slide ≤ size and size a multiple of slide (as Flink
// requires). CUMULATE: step > 0, step ≤ size and size a multiple of step.
// SESSION: gap > 0, and max_duration > 0 when given. Every interval is at
// most window.MaxIntervalMs (|offset| too): a longer window's bounds fall
// outside the TIMESTAMP range whatever the event.
func windowSpec(t *sql.WindowTVF, in *rel, inputName string) (*window.Spec, error) {
	schema := in.schema()
	i := schema.Index(t.TimeCol)
	at := t.TimeColAt
	if at.Line == 0 {
		at = t.At
	}
	if i < 0 {
		return nil, errf(at, codeUndefinedColumn, "unknown column %q in %s%s", t.TimeCol, t.Kind, didYouMean(t.TimeCol, schema.Names()))
	}
	if schema[i].Type != catalog.Timestamp {
		return nil, errf(at, codeDatatypeMismatch, "%s time column %q must be TIMESTAMP, not %s", t.Kind, t.TimeCol, schema[i].Type)
	}
	if in.timeCol < 0 {
		return nil, errf(at, codeInvalidParameter, "%s over %s needs event time: declare WATERMARK FOR %s AS %s - INTERVAL ... on the source", t.Kind, inputName, schema[i].Name, schema[i].Name)
	}
	if in.timeCol != i {
		return nil, errf(at, codeInvalidParameter, "%s time column must be the watermark column %q, not %q", t.Kind, schema[in.timeCol].Name, schema[i].Name)
	}
	need := func(iv *sql.Interval, what string) (int64, error) {
		if iv == nil {
			return 0, errf(t.At, codeSyntax, "%s needs a %s interval", t.Kind, what)
		}
		if iv.Ms <= 0 {
			return 0, errf(iv.At, codeInvalidParameter, "%s %s must be positive, got %s", t.Kind, what, formatMs(iv.Ms))
		}
		if err := checkMaxInterval(iv, t.Kind, what); err != nil {
			return 0, err
		}
		return iv.Ms, nil
	}
	spec := &window.Spec{Trigger: window.Trigger{EarlyWhenCol: -1}}
	var err error
	switch t.Kind {
	case sql.Tumble:
		spec.Kind = window.Tumble
		if spec.Size, err = need(t.Size, "size"); err != nil {
			return nil, err
		}
		if t.Offset != nil {
			if err := checkMaxInterval(t.Offset, t.Kind, "offset"); err != nil {
				return nil, err
			}
			spec.Offset = t.Offset.Ms
			if spec.Offset <= -spec.Size || spec.Offset >= spec.Size {
				return nil, errf(t.Offset.At, codeInvalidParameter, "TUMBLE offset %s must lie strictly between -%s and %s (the size)", formatMs(spec.Offset), formatMs(spec.Size), formatMs(spec.Size))
			}
		}
	case sql.Hop:
		spec.Kind = window.Hop
		if spec.Slide, err = need(t.Slide, "slide"); err != nil {
			return nil, err
		}
		if spec.Size, err = need(t.Size, "size"); err != nil {
			return nil, err
		}
		if spec.Slide > spec.Size {
			return nil, errf(t.Slide.At, codeInvalidParameter, "HOP slide %s must not exceed the size %s", formatMs(spec.Slide), formatMs(spec.Size))
		}
		if spec.Size%spec.Slide != 0 {
			return nil, errf(t.Size.At, codeInvalidParameter, "HOP size %s must be a multiple of the slide %s", formatMs(spec.Size), formatMs(spec.Slide))
		}
	case sql.Cumulate:
		spec.Kind = window.Cumulate
		if spec.Slide, err = need(t.Step, "step"); err != nil {
			return nil, err
		}
		if spec.Size, err = need(t.Size, "size"); err != nil {
			return nil, err
		}
		if spec.Slide > spec.Size {
			return nil, errf(t.Step.At, codeInvalidParameter, "CUMULATE step %s must not exceed the size %s", formatMs(spec.Slide), formatMs(spec.Size))
		}
		if spec.Size%spec.Slide != 0 {
			return nil, errf(t.Size.At, codeInvalidParameter, "CUMULATE size %s must be a multiple of the step %s", formatMs(spec.Size), formatMs(spec.Slide))
		}
	case sql.Session:
		spec.Kind = window.Session
		if spec.Gap, err = need(t.Gap, "gap"); err != nil {
			return nil, err
		}
		if t.MaxDuration != nil {
			if spec.MaxDuration, err = need(t.MaxDuration, "max duration"); err != nil {
				return nil, err
			}
		}
	default:
		return nil, errf(t.At, codeUnsupported, "unknown window function %s", t.Kind)
	}
	return spec, nil
}

// checkMaxInterval refuses a window interval longer than the TIMESTAMP
// range (window.MaxIntervalMs, 3652059 days from 0001-01-01 to
// 9999-12-31): its windows would end (or start) outside that range for
// every event, and far larger ones would wrap window_end around int64.
func checkMaxInterval(iv *sql.Interval, kind sql.WindowKind, what string) error {
	if iv.Ms <= window.MaxIntervalMs && iv.Ms >= -window.MaxIntervalMs {
		return nil
	}
	return errf(iv.At, codeOutOfRange,
		"%s %s %s is too long: the maximum is INTERVAL '%d' DAY, the span of the TIMESTAMP range (0001-01-01 to 9999-12-31); a longer window's bounds fall outside that range",
		kind, what, formatMs(iv.Ms), window.MaxIntervalMs/86_400_000)
}
