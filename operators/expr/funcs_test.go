package expr

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// The SQL-level behaviour of every function is in the planner's
// testdata/functions (PostgreSQL's documented values); these tests cover
// the helpers' edges and the batch loops' allocations.

func TestSubstringEdges(t *testing.T) {
	const huge = math.MaxInt64
	for _, c := range []struct {
		s            string
		start, count int64
		counted      bool
		want         string
	}{
		{"hello", 2, 3, true, "ell"},
		{"hello", 0, 3, true, "he"},     // [0, 3) ∩ [1, 5] is characters 1–2
		{"hello", -5, 3, true, ""},      // ends before the string
		{"hello", 1, 0, true, ""},       // no characters
		{"hello", 5, 10, true, "o"},     // clipped at the end
		{"hello", 6, 1, true, ""},       // starts after the end
		{"hello", 3, huge, true, "llo"}, // start + count overflows: to the end
		{"hello", -huge, huge, true, ""},
		{"hello", math.MinInt64, 0, false, "hello"},
		{"héllo wörld", 2, 4, true, "éllo"},
		{"日本語", 2, 1, true, "本"},
		{"", 1, 1, true, ""},
	} {
		require.Equal(t, c.want, substring(c.s, c.start, c.count, c.counted), "%q %d %d", c.s, c.start, c.count)
	}
}

func TestLeftRightPosition(t *testing.T) {
	require.Equal(t, "ab", left("abcde", 2))
	require.Equal(t, "abc", left("abcde", -2))
	require.Equal(t, "", left("abcde", -9))
	require.Equal(t, "abcde", left("abcde", math.MaxInt64))
	require.Equal(t, "de", right("abcde", 2))
	require.Equal(t, "cde", right("abcde", -2))
	require.Equal(t, "", right("abcde", math.MinInt64+1))
	require.Equal(t, "abcde", right("abcde", math.MaxInt64))
	require.Equal(t, "ö日", right("aö日", 2))
	require.Equal(t, "日", right("aö日", -2))
	require.Equal(t, int64(3), position("aö日", "日"))
	require.Equal(t, int64(0), position("abc", "x"))
	require.Equal(t, int64(1), position("abc", ""))
}

func TestSplitPartEdges(t *testing.T) {
	for _, c := range []struct {
		s, d string
		k    int64
		want string
		ok   bool
	}{
		{"a,b,c", ",", 1, "a", true},
		{"a,b,c", ",", 3, "c", true},
		{"a,b,c", ",", 4, "", true},
		{"a,b,c", ",", -1, "c", true},
		{"a,b,c", ",", -3, "a", true},
		{"a,b,c", ",", -4, "", true},
		{"a,,c", ",", 2, "", true},
		{",a", ",", 1, "", true},
		{"a,", ",", -1, "", true},
		{"a", ",", math.MaxInt64, "", true},
		{"a", ",", math.MinInt64, "", true},
		{"a", ",", 0, "", false},
	} {
		got, ok := splitPart(c.s, c.d, c.k)
		require.Equal(t, c.ok, ok, "%q %q %d", c.s, c.d, c.k)
		require.Equal(t, c.want, got, "%q %q %d", c.s, c.d, c.k)
	}
}

func TestTruncDigits(t *testing.T) {
	for _, c := range []struct {
		x    float64
		d    int64
		want float64
	}{
		{0.29, 2, 0.29}, // 0.29 * 100 is 28.999999999999996
		{42.4382, 2, 42.43},
		{-42.4382, 2, -42.43},
		{1.005, 2, 1}, // 1.005 is 1.00499999999999989... in binary
		{1234.5, -2, 1200},
		{-1234.5, -2, -1200},
		{0.5, 0, 0},
		{1e300, 2, 1e300},
	} {
		require.Equal(t, c.want, truncDigits(c.x, c.d), "TRUNC(%v, %d)", c.x, c.d)
	}
	require.Equal(t, int64(1200), truncInt(1299, 2))
	require.Equal(t, int64(-1200), truncInt(-1299, 2))
	require.Equal(t, int64(0), truncInt(math.MaxInt64, 19))
}

// TestCalendarMatchesTimePackage checks the civil-date arithmetic and the
// fields of EXTRACT against Go's time package over random instants from
// year -2000 to 9999.
func TestCalendarMatchesTimePackage(t *testing.T) {
	lo := time.Date(-2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	hi := time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC).UnixMilli()
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		ms := lo + r.Int64N(hi-lo)
		tm := time.UnixMilli(ms).UTC()
		y, m, d := civil(floorDiv(ms, msPerDay))
		require.Equal(t, [3]int64{int64(tm.Year()), int64(tm.Month()), int64(tm.Day())}, [3]int64{y, m, d}, "%v", tm)
		require.Equal(t, floorDiv(ms, msPerDay), daysFromCivil(y, m, d))
		require.Equal(t, int64(tm.Hour()), extractInt(fHour, ms), "%v", tm)
		require.Equal(t, int64(tm.Minute()), extractInt(fMinute, ms), "%v", tm)
		require.Equal(t, int64(tm.Second()*1000+tm.Nanosecond()/1e6), extractInt(fMilliseconds, ms), "%v", tm)
		require.Equal(t, int64(tm.Weekday()), extractInt(fDow, ms), "%v", tm)
		require.Equal(t, int64(tm.YearDay()), extractInt(fDoy, ms), "%v", tm)
		require.Equal(t, int64((int(tm.Month())+2)/3), extractInt(fQuarter, ms), "%v", tm)
		// Truncations land on the unit's start, at or before the instant.
		days := floorDiv(ms, msPerDay)
		wk := time.UnixMilli(truncCalendar(fWeek, days)).UTC()
		require.Equal(t, time.Monday, wk.Weekday(), "%v", tm)
		require.True(t, !wk.After(tm) && tm.Sub(wk) < 7*24*time.Hour, "%v %v", tm, wk)
		require.Equal(t, time.Date(tm.Year(), tm.Month(), 1, 0, 0, 0, 0, time.UTC).UnixMilli(), truncCalendar(fMonth, days))
		require.Equal(t, time.Date(tm.Year(), 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), truncCalendar(fYear, days))
	}
	// PostgreSQL has no year 0: 1 BC is -1, and its century -1.
	bc1 := time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	require.Equal(t, int64(-1), extractInt(fYear, bc1))
	require.Equal(t, int64(-1), extractInt(fCentury, bc1))
	require.Equal(t, int64(1), extractInt(fCentury, time.Date(100, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()))
	require.Equal(t, int64(2), extractInt(fCentury, time.Date(101, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()))
}

func TestIsTruthOfNull(t *testing.T) {
	b := batchOf([]any{0, 0.0, "", nil, 0}, []any{0, 0.0, "", true, 0})
	require.Equal(t, []any{false, false}, eval(t, must(NewIsTruth(ConstNull(catalog.Unknown), true, false)), b))
	require.Equal(t, []any{true, true}, eval(t, must(NewIsTruth(ConstNull(catalog.Unknown), false, true)), b))
	require.Equal(t, []any{false, true}, eval(t, must(NewIsTruth(col(3), true, false)), b))
	_, err := NewIsTruth(col(0), true, false)
	require.EqualError(t, err, "expr: argument of IS TRUE must be BOOLEAN, not BIGINT")
}

func TestLikeVariants(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		opts       LikeOpts
		want       bool
	}{
		{"GPT%", "gpt-4o", LikeOpts{ILike: true, Escape: '\\'}, true},
		{"gpt%", "GPT-4o", LikeOpts{ILike: true, Escape: '\\'}, true},
		{"%É", "café", LikeOpts{ILike: true, Escape: '\\'}, true},
		{"_a%", "ÉA", LikeOpts{ILike: true, Escape: '\\'}, true},
		{"a!%", "a%", LikeOpts{Escape: '!'}, true},
		{"a!%", "ab", LikeOpts{Escape: '!'}, false},
		{"a\\%", "a\\bc", LikeOpts{Escape: '!'}, true}, // the backslash is ordinary
		{"a\\%", "a\\bc", LikeOpts{NoEscape: true}, true},
		{"aé%", "a%", LikeOpts{Escape: 'é'}, true}, // a multi-byte escape character
		{"aé%", "ab", LikeOpts{Escape: 'é'}, false},
		{"%%", "x", LikeOpts{Escape: '%'}, false}, // %% is a literal %
		{"%%", "%", LikeOpts{Escape: '%'}, true},
	} {
		b := batchOf([]any{0, 0.0, c.s, true, 0})
		e := must(NewLikeWith(col(2), c.pattern, c.opts))
		require.Equal(t, []any{c.want}, eval(t, e, b), "%q %s %q %+v", c.s, e.op(), c.pattern, c.opts)
	}
	_, err := NewLikeWith(col(2), "ab!", LikeOpts{Escape: '!'})
	require.EqualError(t, err, "expr: LIKE pattern 'ab!' must not end with the escape character")
	require.Equal(t, "(s NOT ILIKE 'a!%' ESCAPE '!')", must(NewLikeWith(col(2), "a!%", LikeOpts{Not: true, ILike: true, Escape: '!'})).String())
	require.Equal(t, "(s LIKE 'a' ESCAPE '')", must(NewLikeWith(col(2), "a", LikeOpts{NoEscape: true})).String())
}

// TestNoPerRowAllocations: the loops of SUBSTRING, LEFT, TRIM, SPLIT_PART,
// POSITION, EXTRACT, DATE_TRUNC and ILIKE (over mixed-case ASCII) allocate
// nothing per batch once warmed up.
func TestNoPerRowAllocations(t *testing.T) {
	b := benchBatch()
	b.Cols[2].Str[1] = "GPT-4o"
	for _, e := range []Expr{
		must(NewCall("SUBSTRING", []Expr{col(2), ConstInt(2), ConstInt(3)})),
		must(NewCall("LEFT", []Expr{col(2), ConstInt(-2)})),
		must(NewCall("BTRIM", []Expr{col(2), ConstString("g-")})),
		must(NewCall("SPLIT_PART", []Expr{col(2), ConstString("-"), ConstInt(1)})),
		must(NewCall("POSITION", []Expr{ConstString("a"), col(2)})),
		must(NewExtract("hour", col(4), false)),
		must(NewExtract("dow", col(4), true)),
		must(NewDateTrunc("month", col(4))),
		must(NewLikeWith(col(2), "gpt%", LikeOpts{ILike: true, Escape: '\\'})),
	} {
		out := &coldata.Vec{}
		e.Eval(b, out)
		require.Zero(t, testing.AllocsPerRun(10, func() { e.Eval(b, out) }), "%v", e)
	}
}
