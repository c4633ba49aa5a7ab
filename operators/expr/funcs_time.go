package expr

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// A TIMESTAMP is epoch milliseconds in UTC; these functions work on the
// UTC calendar (there are no time zones in weir).

const (
	msPerSecond = int64(1000)
	msPerMinute = 60 * msPerSecond
	msPerHour   = 60 * msPerMinute
	msPerDay    = 24 * msPerHour
)

// timeField is a field of EXTRACT and DATE_PART or a unit of DATE_TRUNC.
type timeField uint8

const (
	fNone timeField = iota
	fMicroseconds
	fMilliseconds
	fSecond
	fMinute
	fHour
	fDay
	fWeek
	fMonth
	fQuarter
	fYear
	fDecade
	fCentury
	fMillennium
	fDow
	fIsoDow
	fDoy
	fIsoYear
	fEpoch
)

// fieldNames maps every accepted spelling (lower case; PostgreSQL's
// plurals and abbreviations) to its field.
var fieldNames = map[string]timeField{
	"microsecond": fMicroseconds, "microseconds": fMicroseconds, "us": fMicroseconds, "usec": fMicroseconds, "usecs": fMicroseconds,
	"millisecond": fMilliseconds, "milliseconds": fMilliseconds, "ms": fMilliseconds, "msec": fMilliseconds, "msecs": fMilliseconds,
	"second": fSecond, "seconds": fSecond, "s": fSecond, "sec": fSecond, "secs": fSecond,
	"minute": fMinute, "minutes": fMinute, "m": fMinute, "min": fMinute, "mins": fMinute,
	"hour": fHour, "hours": fHour, "h": fHour, "hr": fHour, "hrs": fHour,
	"day": fDay, "days": fDay, "d": fDay,
	"week": fWeek, "weeks": fWeek, "w": fWeek,
	"month": fMonth, "months": fMonth, "mon": fMonth, "mons": fMonth,
	"quarter": fQuarter, "qtr": fQuarter,
	"year": fYear, "years": fYear, "y": fYear, "yr": fYear, "yrs": fYear,
	"decade": fDecade, "decades": fDecade, "dec": fDecade,
	"century": fCentury, "centuries": fCentury, "c": fCentury, "cent": fCentury,
	"millennium": fMillennium, "millennia": fMillennium, "mil": fMillennium, "mils": fMillennium,
	"dow": fDow, "isodow": fIsoDow, "doy": fDoy, "isoyear": fIsoYear, "epoch": fEpoch,
}

var canonicalField = [...]string{
	fMicroseconds: "microseconds", fMilliseconds: "milliseconds", fSecond: "second", fMinute: "minute",
	fHour: "hour", fDay: "day", fWeek: "week", fMonth: "month", fQuarter: "quarter", fYear: "year",
	fDecade: "decade", fCentury: "century", fMillennium: "millennium", fDow: "dow", fIsoDow: "isodow",
	fDoy: "doy", fIsoYear: "isoyear", fEpoch: "epoch",
}

// ExtractFields lists the EXTRACT and DATE_PART fields (canonical
// spellings) and TruncUnits the DATE_TRUNC units, for messages and docs.
var (
	ExtractFields = "microseconds, milliseconds, second, minute, hour, day, week, month, quarter, year, " +
		"decade, century, millennium, dow, isodow, doy, isoyear or epoch"
	TruncUnits = "microseconds, milliseconds, second, minute, hour, day, week, month, quarter, year, " +
		"decade, century or millennium"
)

// Extract is EXTRACT(field FROM ts) or DATE_PART('field', ts) over a
// TIMESTAMP. EXTRACT gives BIGINT for the whole-number fields and DOUBLE
// for SECOND (with the milliseconds as a fraction) and EPOCH (seconds since
// 1970-01-01 with a fraction); DATE_PART gives DOUBLE for every field, as
// in PostgreSQL (whose EXTRACT gives NUMERIC). Fields follow PostgreSQL:
// DOW is 0 (Sunday) to 6, ISODOW 1 (Monday) to 7, WEEK and ISOYEAR are ISO
// 8601, MILLISECONDS and MICROSECONDS include the seconds, YEAR has no year
// 0 (1 BC is -1).
type Extract struct {
	Field    string // canonical lower-case name
	X        Expr
	DatePart bool // DATE_PART: the result is DOUBLE
	f        timeField
	t        catalog.Type
	xs       *coldata.Vec
}

var _ Expr = (*Extract)(nil)

// NewExtract returns EXTRACT(field FROM x) (datePart: DATE_PART(field, x)).
// x must be TIMESTAMP (or an untyped NULL); field is any PostgreSQL
// spelling, in any case. An unknown field is an *ArgError on argument 0.
func NewExtract(field string, x Expr, datePart bool) (*Extract, error) {
	name := "EXTRACT"
	if datePart {
		name = "DATE_PART"
	}
	f, ok := fieldNames[strings.ToLower(strings.TrimSpace(field))]
	if !ok {
		return nil, &ArgError{Arg: 0, Code: CodeInvalidParameter,
			Msg: fmt.Sprintf("%s field %s is not recognized (expected %s)", name, ConstString(field), ExtractFields)}
	}
	if t := x.Type(); t != catalog.Timestamp && t != catalog.Unknown {
		return nil, argTypeErr(1, "%s needs a TIMESTAMP argument, not %s", name, t)
	}
	t := catalog.Bigint
	if datePart || f == fSecond || f == fEpoch {
		t = catalog.Double
	}
	return &Extract{Field: canonicalField[f], X: x, DatePart: datePart, f: f, t: t, xs: newScratch(catalog.Timestamp)}, nil
}

// Type returns BIGINT or DOUBLE.
func (e *Extract) Type() catalog.Type { return e.t }

// Eval extracts the field of the live rows.
func (e *Extract) Eval(b *coldata.Batch, out *coldata.Vec) {
	e.X.Eval(b, e.xs)
	n := b.Len
	reset(out, e.t, n)
	copyNulls(&out.Nulls, e.xs.Nulls)
	if e.X.Type() == catalog.Unknown {
		each(b.Sel, n, func(i int) { out.Nulls.Set(i) })
		return
	}
	x := e.xs.I64[:n]
	if e.t == catalog.Double {
		o := out.F64[:n]
		switch e.f {
		case fSecond:
			each(b.Sel, n, func(i int) { o[i] = float64(floorMod(x[i], msPerMinute)) / 1000 })
		case fEpoch:
			each(b.Sel, n, func(i int) { o[i] = float64(x[i]) / 1000 })
		default:
			f, last, v := e.f, int64(math.MinInt64), 0.0
			each(b.Sel, n, func(i int) {
				if !isDayField(f) {
					o[i] = float64(extractInt(f, x[i]))
				} else if d := floorDiv(x[i], msPerDay); d != last {
					last, v = d, float64(dayField(f, d))
					o[i] = v
				} else {
					o[i] = v
				}
			})
		}
		return
	}
	o, f := out.I64[:n], e.f
	switch f {
	case fHour:
		each(b.Sel, n, func(i int) { o[i] = floorMod(x[i], msPerDay) / msPerHour })
	case fMinute:
		each(b.Sel, n, func(i int) { o[i] = floorMod(x[i], msPerHour) / msPerMinute })
	default:
		if isDayField(f) {
			// The field depends on the day only, and a batch's event times
			// are mostly of one day: compute it once per run of a day.
			last, v := int64(math.MinInt64), int64(0)
			each(b.Sel, n, func(i int) {
				if d := floorDiv(x[i], msPerDay); d != last {
					last, v = d, dayField(f, d)
				}
				o[i] = v
			})
			return
		}
		each(b.Sel, n, func(i int) { o[i] = extractInt(f, x[i]) })
	}
}

// extractInt is a whole-number field of the timestamp ms.
func extractInt(f timeField, ms int64) int64 {
	switch f {
	case fMicroseconds:
		return floorMod(ms, msPerMinute) * 1000
	case fMilliseconds:
		return floorMod(ms, msPerMinute)
	case fSecond:
		return floorMod(ms, msPerMinute) / msPerSecond
	case fMinute:
		return floorMod(ms, msPerHour) / msPerMinute
	case fHour:
		return floorMod(ms, msPerDay) / msPerHour
	case fEpoch:
		return floorDiv(ms, msPerSecond)
	}
	return dayField(f, floorDiv(ms, msPerDay))
}

// isDayField reports whether field f depends on the day only.
func isDayField(f timeField) bool {
	switch f {
	case fMicroseconds, fMilliseconds, fSecond, fMinute, fHour, fEpoch:
		return false
	}
	return true
}

// dayField is a date field of the day days after 1970-01-01.
func dayField(f timeField, days int64) int64 {
	switch f {
	case fDow:
		return floorMod(days+4, 7) // 1970-01-01 was a Thursday
	case fIsoDow:
		return floorMod(days+3, 7) + 1
	case fWeek, fIsoYear:
		y, w := time.UnixMilli(days * msPerDay).UTC().ISOWeek()
		if f == fWeek {
			return int64(w)
		}
		return bcYear(int64(y))
	case fDoy:
		y, _, _ := civil(days)
		return days - daysFromCivil(y, 1, 1) + 1
	}
	y, m, d := civil(days)
	switch f {
	case fDay:
		return d
	case fMonth:
		return m
	case fQuarter:
		return (m-1)/3 + 1
	case fYear:
		return bcYear(y)
	case fDecade: // PostgreSQL's formulas over the astronomical year
		if y >= 0 {
			return y / 10
		}
		return -((8 - (y - 1)) / 10)
	case fCentury:
		if y > 0 {
			return (y + 99) / 100
		}
		return -((99 - (y - 1)) / 100)
	case fMillennium:
		if y > 0 {
			return (y + 999) / 1000
		}
		return -((999 - (y - 1)) / 1000)
	}
	return 0
}

// bcYear turns an astronomical year (0 is 1 BC) into PostgreSQL's (no
// year 0).
func bcYear(y int64) int64 {
	if y <= 0 {
		return y - 1
	}
	return y
}

// String returns "EXTRACT(field FROM X)" or "DATE_PART('field', X)".
func (e *Extract) String() string {
	if e.DatePart {
		return "DATE_PART('" + e.Field + "', " + fmt.Sprint(e.X) + ")"
	}
	return "EXTRACT(" + strings.ToUpper(e.Field) + " FROM " + fmt.Sprint(e.X) + ")"
}

// DateTrunc is DATE_TRUNC('unit', ts): the timestamp cut down to the
// start of its unit, in UTC, as PostgreSQL's date_trunc. WEEK starts on
// Monday; DECADE, CENTURY and MILLENNIUM follow PostgreSQL (the 21st
// century starts in 2001). MILLISECONDS and MICROSECONDS leave weir's
// millisecond timestamps unchanged.
type DateTrunc struct {
	Unit string // canonical lower-case name
	X    Expr
	f    timeField
	xs   *coldata.Vec
}

var _ Expr = (*DateTrunc)(nil)

// NewDateTrunc returns DATE_TRUNC(unit, x). x must be TIMESTAMP (or an
// untyped NULL). An unknown unit is an *ArgError on argument 0.
func NewDateTrunc(unit string, x Expr) (*DateTrunc, error) {
	f, ok := fieldNames[strings.ToLower(strings.TrimSpace(unit))]
	switch f {
	case fDow, fIsoDow, fDoy, fIsoYear, fEpoch:
		ok = false
	}
	if !ok {
		return nil, &ArgError{Arg: 0, Code: CodeInvalidParameter,
			Msg: fmt.Sprintf("DATE_TRUNC unit %s is not recognized (expected %s)", ConstString(unit), TruncUnits)}
	}
	if t := x.Type(); t != catalog.Timestamp && t != catalog.Unknown {
		return nil, argTypeErr(1, "DATE_TRUNC needs a TIMESTAMP argument, not %s", t)
	}
	return &DateTrunc{Unit: canonicalField[f], X: x, f: f, xs: newScratch(catalog.Timestamp)}, nil
}

// Type returns TIMESTAMP.
func (e *DateTrunc) Type() catalog.Type { return catalog.Timestamp }

// Eval truncates the live rows.
func (e *DateTrunc) Eval(b *coldata.Batch, out *coldata.Vec) {
	e.X.Eval(b, e.xs)
	n := b.Len
	reset(out, catalog.Timestamp, n)
	copyNulls(&out.Nulls, e.xs.Nulls)
	if e.X.Type() == catalog.Unknown {
		each(b.Sel, n, func(i int) { out.Nulls.Set(i) })
		return
	}
	x, o := e.xs.I64[:n], out.I64[:n]
	// One loop per unit, so that each divides by a constant.
	switch e.f {
	case fMicroseconds, fMilliseconds:
		copy(o, x)
		return
	case fSecond:
		each(b.Sel, n, func(i int) { o[i] = floorDiv(x[i], msPerSecond) * msPerSecond })
		return
	case fMinute:
		each(b.Sel, n, func(i int) { o[i] = floorDiv(x[i], msPerMinute) * msPerMinute })
		return
	case fHour:
		each(b.Sel, n, func(i int) { o[i] = floorDiv(x[i], msPerHour) * msPerHour })
		return
	case fDay:
		each(b.Sel, n, func(i int) { o[i] = floorDiv(x[i], msPerDay) * msPerDay })
		return
	}
	// The start of a week, month... depends on the day only.
	f, last, v := e.f, int64(math.MinInt64), int64(0)
	each(b.Sel, n, func(i int) {
		if d := floorDiv(x[i], msPerDay); d != last {
			last, v = d, truncCalendar(f, d)
		}
		o[i] = v
	})
}

// truncCalendar returns the start (epoch milliseconds) of the week,
// month, quarter, year, decade, century or millennium of the day days
// after 1970-01-01.
func truncCalendar(f timeField, days int64) int64 {
	if f == fWeek {
		return (days - floorMod(days+3, 7)) * msPerDay // back to Monday
	}
	y, m, _ := civil(days)
	switch f {
	case fMonth:
	case fQuarter:
		m = (m-1)/3*3 + 1
	case fYear:
		m = 1
	case fDecade: // PostgreSQL's formulas over the astronomical year
		m = 1
		if y > 0 {
			y = y / 10 * 10
		} else {
			y = -((8 - (y - 1)) / 10) * 10
		}
	case fCentury:
		m = 1
		if y > 0 {
			y = (y+99)/100*100 - 99
		} else {
			y = -((99-(y-1))/100)*100 + 1
		}
	case fMillennium:
		m = 1
		if y > 0 {
			y = (y+999)/1000*1000 - 999
		} else {
			y = -((999-(y-1))/1000)*1000 + 1
		}
	}
	return daysFromCivil(y, m, 1) * msPerDay
}

// String returns "DATE_TRUNC('unit', X)".
func (e *DateTrunc) String() string {
	return "DATE_TRUNC('" + e.Unit + "', " + fmt.Sprint(e.X) + ")"
}

// toTimestamp is TO_TIMESTAMP(epoch seconds): the timestamp rounded to the
// millisecond (half away from zero). NaN, ±Infinity and values out of
// range give NULL (PostgreSQL raises an error or gives ±infinity).
func toTimestamp(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
	x, o := args[0].F64[:n], out.I64[:n]
	each(sel, n, func(i int) {
		v, ok := roundToInt(x[i] * 1000)
		if !ok {
			out.Nulls.Set(i)
		}
		o[i] = v
	})
}

// floorDiv is a / b rounded toward -∞ (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// floorMod is a mod b in [0, b) (b > 0).
func floorMod(a, b int64) int64 {
	r := a % b
	if r < 0 {
		r += b
	}
	return r
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (astronomical year; Howard Hinnant's days_from_civil inverse).
func civil(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// daysFromCivil converts a proleptic Gregorian date to days since
// 1970-01-01.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
