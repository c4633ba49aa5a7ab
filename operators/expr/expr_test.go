package expr

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Test columns: 0 i BIGINT, 1 f DOUBLE, 2 s VARCHAR, 3 b BOOLEAN,
// 4 ts TIMESTAMP. nil is NULL.
var testSchema = catalog.Schema{
	{Name: "i", Type: catalog.Bigint},
	{Name: "f", Type: catalog.Double},
	{Name: "s", Type: catalog.Varchar},
	{Name: "b", Type: catalog.Boolean},
	{Name: "ts", Type: catalog.Timestamp},
}

func col(idx int) *ColRef {
	return NewColRef(idx, testSchema[idx].Name, testSchema[idx].Type)
}

// batchOf builds a batch from rows of Go values (int64, float64, string,
// bool, nil) in testSchema order.
func batchOf(rows ...[]any) *coldata.Batch {
	b := coldata.NewBatch(testSchema, len(rows))
	for _, r := range rows {
		for c, v := range r {
			vec := b.Cols[c]
			if v == nil {
				vec.AppendNull()
				continue
			}
			switch x := v.(type) {
			case int:
				vec.I64 = append(vec.I64, int64(x))
			case int64:
				vec.I64 = append(vec.I64, x)
			case float64:
				vec.F64 = append(vec.F64, x)
			case string:
				vec.Str = append(vec.Str, x)
			case bool:
				vec.Bool = append(vec.Bool, x)
			}
		}
	}
	b.Len = len(rows)
	return b
}

// eval evaluates e and returns the live rows' values (nil for NULL).
func eval(t *testing.T, e Expr, b *coldata.Batch) []any {
	t.Helper()
	out := &coldata.Vec{}
	e.Eval(b, out)
	require.Equal(t, e.Type() == catalog.Unknown, out.Type == catalog.Boolean && e.Type() == catalog.Unknown)
	var res []any
	b.ForEach(func(i int) {
		if out.Nulls.IsNull(i) {
			res = append(res, nil)
			return
		}
		switch physOf(out.Type) {
		case physI64:
			res = append(res, out.I64[i])
		case physF64:
			res = append(res, out.F64[i])
		case physStr:
			res = append(res, out.Str[i])
		case physBool:
			res = append(res, out.Bool[i])
		}
	})
	return res
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestArith(t *testing.T) {
	b := batchOf(
		[]any{7, 2.0, "x", true, 0},
		[]any{-7, 0.0, "x", true, 0},
		[]any{nil, nil, "x", true, 0},
		[]any{int64(math.MaxInt64), -0.5, "x", true, 0},
	)
	i, f := col(0), col(1)
	three := ConstInt(3)
	require.Equal(t, []any{int64(10), int64(-4), nil, int64(math.MinInt64 + 2)},
		eval(t, must(NewArith(Add, i, three, catalog.Bigint)), b), "overflow wraps")
	require.Equal(t, []any{int64(4), int64(-10), nil, int64(math.MaxInt64 - 3)},
		eval(t, must(NewArith(Sub, i, three, catalog.Bigint)), b))
	require.Equal(t, []any{int64(21), int64(-21), nil, int64(math.MaxInt64 - 2)},
		eval(t, must(NewArith(Mul, i, three, catalog.Bigint)), b))
	// Go's % truncates toward zero: -7 % 3 = -1, as in PostgreSQL.
	require.Equal(t, []any{int64(1), int64(-1), nil, int64(1)},
		eval(t, must(NewArith(Mod, i, three, catalog.Bigint)), b))
	require.Equal(t, []any{nil, nil, nil, nil},
		eval(t, must(NewArith(Mod, i, ConstInt(0), catalog.Bigint)), b), "modulo by zero is NULL")
	fi := must(NewCast(i, catalog.Double))
	require.Equal(t, []any{3.5, nil, nil, float64(math.MaxInt64) / -0.5},
		eval(t, must(NewArith(Div, fi, f, catalog.Double)), b), "division by zero is NULL")
	neg := eval(t, must(NewNeg(f)), b)
	require.Equal(t, []any{-2.0, 0.0, nil, 0.5}, neg)
	require.True(t, math.Signbit(neg[1].(float64)), "-(0.0) is -0 (IEEE negation), not +0")
	// TIMESTAMP + interval milliseconds.
	require.Equal(t, []any{int64(60000), int64(60000), int64(60000), int64(60000)},
		eval(t, must(NewArith(Add, col(4), ConstInt(60000), catalog.Timestamp)), b))
	_, err := NewArith(Add, i, f, catalog.Double)
	require.Error(t, err)
}

func TestCompareAllTypes(t *testing.T) {
	b := batchOf(
		[]any{1, 1.5, "abc", false, 1000},
		[]any{2, 2.5, "abd", true, 2000},
		[]any{nil, nil, nil, nil, nil},
	)
	cases := []struct {
		l, r Expr
		op   CmpOp
		want []any
	}{
		{col(0), ConstInt(1), EQ, []any{true, false, nil}},
		{col(0), ConstInt(1), NE, []any{false, true, nil}},
		{col(1), ConstFloat(2.0), LT, []any{true, false, nil}},
		{col(1), ConstFloat(2.5), LE, []any{true, true, nil}},
		{col(2), ConstString("abc"), GT, []any{false, true, nil}},
		{col(2), ConstString("abd"), GE, []any{false, true, nil}},
		{col(3), ConstBool(false), GT, []any{false, true, nil}},
		{col(4), ConstTimestamp(1500), LT, []any{true, false, nil}},
		{col(0), ConstNull(catalog.Unknown), EQ, []any{nil, nil, nil}},
	}
	for _, c := range cases {
		e := must(NewCompare(c.op, c.l, c.r))
		require.Equal(t, c.want, eval(t, e, b), "%s", e)
	}
	_, err := NewCompare(EQ, col(0), col(2))
	require.Error(t, err)
}

// TestThreeValuedLogic checks the full AND/OR/NOT truth tables with NULL.
func TestThreeValuedLogic(t *testing.T) {
	vals := []any{true, false, nil}
	var rows [][]any
	for _, l := range vals {
		for _, r := range vals {
			// b holds l; r goes through column 0 as 1/0/NULL then <> 0.
			var ri any
			switch r {
			case true:
				ri = 1
			case false:
				ri = 0
			}
			rows = append(rows, []any{ri, 0.0, "", l, 0})
		}
	}
	b := batchOf(rows...)
	l := col(3)
	r := must(NewCompare(NE, col(0), ConstInt(0)))
	T, F := true, false
	// Row order: (T,T) (T,F) (T,N) (F,T) (F,F) (F,N) (N,T) (N,F) (N,N).
	require.Equal(t, []any{T, F, nil, F, F, F, nil, F, nil}, eval(t, must(NewAnd(l, r)), b))
	require.Equal(t, []any{T, T, T, T, F, nil, T, nil, nil}, eval(t, must(NewOr(l, r)), b))
	require.Equal(t, []any{F, F, F, T, T, T, nil, nil, nil}, eval(t, must(NewNot(l)), b))
	require.Equal(t, []any{F, F, F, F, F, F, T, T, T}, eval(t, NewIsNull(l, false), b))
	require.Equal(t, []any{T, T, T, T, T, T, F, F, F}, eval(t, NewIsNull(l, true), b))
	_, err := NewAnd(col(0), l)
	require.Error(t, err)
}

func TestInList(t *testing.T) {
	b := batchOf(
		[]any{1, 0.0, "a", true, 0},
		[]any{5, 0.0, "z", true, 0},
		[]any{nil, 0.0, nil, true, 0},
	)
	require.Equal(t, []any{true, false, nil},
		eval(t, must(NewInList(col(0), []*Const{ConstInt(1), ConstInt(2)}, false)), b))
	require.Equal(t, []any{false, true, nil},
		eval(t, must(NewInList(col(0), []*Const{ConstInt(1), ConstInt(2)}, true)), b))
	// A NULL in the list: no match gives NULL, a match TRUE.
	require.Equal(t, []any{true, nil, nil},
		eval(t, must(NewInList(col(0), []*Const{ConstInt(1), ConstNull(catalog.Unknown)}, false)), b))
	require.Equal(t, []any{false, nil, nil},
		eval(t, must(NewInList(col(0), []*Const{ConstInt(1), ConstNull(catalog.Unknown)}, true)), b))
	// A long list uses a map.
	var long []*Const
	for _, s := range []string{"q", "w", "e", "r", "t", "y", "u", "i", "o", "z"} {
		long = append(long, ConstString(s))
	}
	require.Equal(t, []any{false, true, nil}, eval(t, must(NewInList(col(2), long, false)), b))
	_, err := NewInList(col(0), []*Const{ConstString("x")}, false)
	require.Error(t, err)
}

func TestLike(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"", "", true},
		{"", "a", false},
		{"ab%", "abxyz", true},
		{"ab%", "xab", false},
		{"%yz", "abxyz", true},
		{"%yz", "yza", false},
		{"%bx%", "abxyz", true},
		{"%bx%", "axbyz", false},
		{"%", "", true},
		{"a_c", "abc", true},
		{"a_c", "ac", false},
		{"a_c", "aéc", true}, // _ is one character, not one byte
		{"a%b%c", "axxbyyc", true},
		{"a%b%c", "axxcyyb", false},
		{"%a%a%", "banana", true},
		{"%aaa%", "aabaab", false},
		{"_%_", "ab", true},
		{"_%_", "a", false},
		{"100\\%", "100%", true},
		{"100\\%", "1000", false},
		{"a\\_b", "a_b", true},
		{"a\\_b", "axb", false},
		{"%mississippi", "mississippimississippi", true},
		{"A%", "abc", false}, // case-sensitive
	}
	for _, c := range cases {
		b := batchOf([]any{0, 0.0, c.s, true, 0})
		e := must(NewLike(col(2), c.pattern, false))
		require.Equal(t, []any{c.want}, eval(t, e, b), "%q LIKE %q", c.s, c.pattern)
		e = must(NewLike(col(2), c.pattern, true))
		require.Equal(t, []any{!c.want}, eval(t, e, b), "%q NOT LIKE %q", c.s, c.pattern)
	}
	b := batchOf([]any{0, 0.0, nil, true, 0})
	require.Equal(t, []any{nil}, eval(t, must(NewLike(col(2), "%", false)), b))
	_, err := NewLike(col(2), "abc\\", false)
	require.Error(t, err)
	_, err = NewLike(col(0), "1", false)
	require.Error(t, err)
}

func TestCaseAndCoalesce(t *testing.T) {
	b := batchOf(
		[]any{1, 10.0, "a", true, 0},
		[]any{2, 20.0, nil, false, 0},
		[]any{3, nil, nil, nil, 0},
		[]any{nil, 40.0, "d", true, 0},
	)
	// CASE WHEN i = 1 THEN 'one' WHEN b THEN s ELSE 'other' END
	e := must(NewCase([]When{
		{Cond: must(NewCompare(EQ, col(0), ConstInt(1))), Then: ConstString("one")},
		{Cond: col(3), Then: col(2)},
	}, ConstString("other"), catalog.Varchar))
	require.Equal(t, []any{"one", "other", "other", "d"}, eval(t, e, b))
	// Without ELSE: NULL. A NULL condition is not true.
	e = must(NewCase([]When{{Cond: col(3), Then: col(0)}}, nil, catalog.Bigint))
	require.Equal(t, []any{int64(1), nil, nil, nil}, eval(t, e, b))
	// THEN NULL (untyped).
	e = must(NewCase([]When{{Cond: col(3), Then: ConstNull(catalog.Unknown)}}, col(0), catalog.Bigint))
	require.Equal(t, []any{nil, int64(2), int64(3), nil}, eval(t, e, b))
	// COALESCE(s, CAST(i AS VARCHAR), 'none')
	c := must(NewCoalesce([]Expr{col(2), must(NewCast(col(0), catalog.Varchar)), ConstString("none")}, catalog.Varchar))
	require.Equal(t, []any{"a", "2", "3", "d"}, eval(t, c, b))
	c = must(NewCoalesce([]Expr{col(1), ConstNull(catalog.Unknown)}, catalog.Double))
	require.Equal(t, []any{10.0, 20.0, nil, 40.0}, eval(t, c, b))
	// Under a selection.
	b.Sel = []int{1, 2}
	require.Equal(t, []any{"2", "3"}, eval(t, must(NewCoalesce([]Expr{col(2), must(NewCast(col(0), catalog.Varchar))}, catalog.Varchar)), b))
	require.Equal(t, []int{1, 2}, b.Sel, "selection restored")
}

// TestNoAliasingCorruption guards the rule that a ColRef's output shares the
// input column: no node may then write into it.
func TestNoAliasingCorruption(t *testing.T) {
	b := batchOf(
		[]any{nil, 1.0, "a", true, 0},
		[]any{2, 2.0, "b", true, 0},
	)
	e := must(NewCoalesce([]Expr{col(0), must(NewArith(Add, col(0), ConstInt(100), catalog.Bigint)), ConstInt(7)}, catalog.Bigint))
	for range 3 {
		require.Equal(t, []any{int64(7), int64(2)}, eval(t, e, b))
	}
	require.Equal(t, int64(2), b.Cols[0].I64[1])
	require.True(t, b.Cols[0].Nulls.IsNull(0))
	require.False(t, b.Cols[0].Nulls.IsNull(1))
}

func TestCast(t *testing.T) {
	b := batchOf(
		[]any{1, 2.5, " 42 ", true, 1_700_000_000_123},
		[]any{-3, -2.5, "4x", false, 0},
		[]any{0, math.NaN(), "2026-11-09T14:35:00.5Z", nil, nil},
		[]any{nil, 1e300, "2026-11-09 14:35:00", true, 0},
	)
	c := func(e Expr, to catalog.Type) []any { return eval(t, must(NewCast(e, to)), b) }
	require.Equal(t, []any{int64(42), nil, nil, nil}, c(col(2), catalog.Bigint), "bad strings give NULL")
	require.Equal(t, []any{int64(3), int64(-3), nil, nil}, c(col(1), catalog.Bigint), "round half away from zero; NaN and overflow NULL")
	require.Equal(t, []any{1.0, -3.0, 0.0, nil}, c(col(0), catalog.Double))
	require.Equal(t, []any{"1", "-3", "0", nil}, c(col(0), catalog.Varchar))
	require.Equal(t, []any{"2.5", "-2.5", "NaN", "1e+300"}, c(col(1), catalog.Varchar))
	require.Equal(t, []any{"true", "false", nil, "true"}, c(col(3), catalog.Varchar))
	require.Equal(t, []any{"2023-11-14T22:13:20.123Z", "1970-01-01T00:00:00.000Z", nil, "1970-01-01T00:00:00.000Z"}, c(col(4), catalog.Varchar))
	require.Equal(t, []any{nil, nil, int64(1794234900500), int64(1794234900000)}, c(col(2), catalog.Timestamp))
	require.Equal(t, []any{int64(1_700_000_000_123), int64(0), nil, int64(0)}, c(col(4), catalog.Bigint))
	require.Equal(t, []any{int64(1), int64(0), nil, int64(1)}, c(col(3), catalog.Bigint))
	require.Equal(t, []any{true, true, false, nil}, c(col(0), catalog.Boolean))
	require.Equal(t, []any{nil, nil, nil, nil}, c(ConstNull(catalog.Unknown), catalog.Double))
	_, err := NewCast(col(3), catalog.Timestamp)
	require.Error(t, err)
	bb := batchOf([]any{0, 0.0, "Yes", true, 0}, []any{0, 0.0, "off", true, 0}, []any{0, 0.0, "maybe", true, 0})
	require.Equal(t, []any{true, false, nil}, eval(t, must(NewCast(col(2), catalog.Boolean)), bb))
}

func TestCalls(t *testing.T) {
	b := batchOf(
		[]any{-4, 2.345, "Ünïcode", true, 0},
		[]any{9, -1.0, "ABC", false, 0},
		[]any{nil, nil, nil, nil, 0},
	)
	call := func(name string, args ...Expr) []any { return eval(t, must(NewCall(name, args)), b) }
	require.Equal(t, []any{int64(4), int64(9), nil}, call("ABS", col(0)))
	require.Equal(t, []any{2.345, 1.0, nil}, call("ABS", col(1)))
	require.Equal(t, []any{2.0, -1.0, nil}, call("ROUND", col(1)))
	require.Equal(t, []any{2.35, -1.0, nil}, call("ROUND", col(1), ConstInt(2)))
	require.Equal(t, []any{int64(0), int64(10), nil}, call("ROUND", col(0), ConstInt(-1)))
	require.Equal(t, []any{2.0, -1.0, nil}, call("FLOOR", col(1)))
	require.Equal(t, []any{3.0, -1.0, nil}, call("CEIL", col(1)))
	require.Equal(t, []any{math.Sqrt(2.345), nil, nil}, call("SQRT", col(1)), "SQRT of a negative is NULL")
	require.Equal(t, []any{math.Log(2.345), nil, nil}, call("LN", col(1)))
	require.Equal(t, []any{1.0, 1.0, 1.0}, call("LOG10", ConstFloat(10)))
	require.Equal(t, []any{math.Pow(2.345, 2), 1.0, nil}, call("POWER", col(1), ConstFloat(2)))
	require.Equal(t, []any{"ünïcode", "abc", nil}, call("LOWER", col(2)))
	require.Equal(t, []any{"ÜNÏCODE", "ABC", nil}, call("UPPER", col(2)))
	require.Equal(t, []any{int64(7), int64(3), nil}, call("LENGTH", col(2)))
	require.Equal(t, []any{"<Ünïcode>", "<ABC>", "<>"}, call("CONCAT", ConstString("<"), col(2), ConstString(">")), "CONCAT skips NULL")
	require.Equal(t, []any{"Ünïcode!", "ABC!", nil}, eval(t, must(NewConcatOp(col(2), ConstString("!"))), b), "|| propagates NULL")
	require.Equal(t, []any{int64(0), int64(9), int64(0)}, call("GREATEST", col(0), ConstInt(0)), "GREATEST ignores NULL")
	require.Equal(t, []any{int64(-4), int64(0), int64(0)}, call("LEAST", col(0), ConstInt(0)))
	require.Equal(t, []any{int64(-4), int64(9), nil}, call("LEAST", col(0), ConstNull(catalog.Unknown)), "NULL only when every argument is")

	_, err := Signature("NOPE", nil)
	require.ErrorIs(t, err, ErrUnknownFunc)
	_, err = Signature("SQRT", []catalog.Type{catalog.Double, catalog.Double})
	require.EqualError(t, err, "expr: SQRT takes 1 argument, got 2")
	_, err = Signature("LOWER", []catalog.Type{catalog.Bigint})
	require.Error(t, err)
	_, err = Signature("GREATEST", []catalog.Type{catalog.Bigint, catalog.Varchar})
	require.Error(t, err)
	sig, err := Signature("GREATEST", []catalog.Type{catalog.Bigint, catalog.Double})
	require.NoError(t, err)
	require.Equal(t, catalog.Double, sig.Result)
}

func TestConstReuse(t *testing.T) {
	c := ConstString("k")
	out := &coldata.Vec{}
	c.Eval(batchOf([]any{0, 0.0, "", true, 0}, []any{0, 0.0, "", true, 0}), out)
	require.Equal(t, []string{"k", "k"}, out.Str)
	c.Eval(batchOf([]any{0, 0.0, "", true, 0}), out)
	require.Equal(t, []string{"k"}, out.Str)
	c.Eval(batchOf([]any{0, 0.0, "", true, 0}, []any{0, 0.0, "", true, 0}, []any{0, 0.0, "", true, 0}), out)
	require.Equal(t, []string{"k", "k", "k"}, out.Str)
	n := ConstNull(catalog.Double)
	n.Eval(batchOf([]any{0, 0.0, "", true, 0}), out)
	require.True(t, out.Nulls.IsNull(0))
	require.Equal(t, catalog.Double, out.Type)
}

func TestFilter(t *testing.T) {
	b := batchOf(
		[]any{1, 1.0, "a", true, 0},
		[]any{2, 2.0, "b", nil, 0},
		[]any{3, 3.0, "c", false, 0},
		[]any{4, 4.0, "d", true, 0},
		[]any{5, nil, "e", true, 0},
	)
	// b AND f > 1.5: row 0 (f too small), 1 (NULL), 2 (false), 4 (NULL) out.
	pred := must(NewAnd(col(3), must(NewCompare(GT, col(1), ConstFloat(1.5)))))
	f := must(NewFilter(pred))
	f.Apply(b)
	require.Equal(t, []int{3}, b.Sel)

	// A selection already set is narrowed in place.
	b.Sel = []int{0, 1, 4}
	f2 := must(NewFilter(col(3)))
	f2.Apply(b)
	require.Equal(t, []int{0, 4}, b.Sel)

	// Everything passes: Sel stays nil.
	b.Sel = nil
	f3 := must(NewFilter(must(NewCompare(GT, col(0), ConstInt(0)))))
	f3.Apply(b)
	require.Nil(t, b.Sel)

	// Nothing passes: an empty, non-nil selection.
	f4 := must(NewFilter(must(NewCompare(GT, col(0), ConstInt(10)))))
	f4.Apply(b)
	require.NotNil(t, b.Sel)
	require.Empty(t, b.Sel)

	b.Sel = nil
	f5 := must(NewFilter(ConstNull(catalog.Unknown)))
	f5.Apply(b)
	require.NotNil(t, b.Sel)
	require.Empty(t, b.Sel)

	_, err := NewFilter(col(0))
	require.Error(t, err)
}
