package expr

import (
	"fmt"
	"testing"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// benchBatch returns a DefaultBatchSize batch in testSchema: i = row,
// f = row/10, s cycles through a few model names, b alternates, every
// seventh f is NULL.
func benchBatch() *coldata.Batch {
	n := coldata.DefaultBatchSize
	b := coldata.NewBatch(testSchema, n)
	b.Reset(n)
	names := []string{"gpt-4o", "claude-3", "llama-test", "mistral"}
	for r := 0; r < n; r++ {
		b.Cols[0].I64[r] = int64(r)
		b.Cols[1].F64[r] = float64(r) / 10
		if r%7 == 0 {
			b.Cols[1].Nulls.Set(r)
		}
		b.Cols[2].Str[r] = names[r%len(names)]
		b.Cols[3].Bool[r] = r%2 == 0
		b.Cols[4].I64[r] = int64(r) * 1000
	}
	return b
}

func BenchmarkEval(b *testing.B) {
	cases := []struct {
		name string
		e    Expr
	}{
		{"compare_f64_const", must(NewCompare(GT, col(1), ConstFloat(100)))},
		{"arith_i64", must(NewArith(Mul, col(0), ConstInt(3), catalog.Bigint))},
		{"div_f64", must(NewArith(Div, col(1), must(NewCast(col(0), catalog.Double)), catalog.Double))},
		{"and_3vl", must(NewAnd(col(3), must(NewCompare(LT, col(1), ConstFloat(50)))))},
		{"like_prefix", must(NewLike(col(2), "gpt%", false))},
		{"like_general", must(NewLike(col(2), "%a_-%t", false))},
		{"in_list", must(NewInList(col(2), []*Const{ConstString("gpt-4o"), ConstString("mistral")}, false))},
		{"case", must(NewCase([]When{
			{Cond: must(NewCompare(EQ, col(2), ConstString("gpt-4o"))), Then: ConstString("openai")},
			{Cond: must(NewCompare(EQ, col(2), ConstString("claude-3"))), Then: ConstString("anthropic")},
		}, ConstString("other"), catalog.Varchar))},
		{"coalesce", must(NewCoalesce([]Expr{col(1), ConstFloat(0)}, catalog.Double))},
		{"substring", must(NewCall("SUBSTRING", []Expr{col(2), ConstInt(2), ConstInt(4)}))},
		{"substring_to_end", must(NewCall("SUBSTRING", []Expr{col(2), ConstInt(3)}))},
		{"split_part", must(NewCall("SPLIT_PART", []Expr{col(2), ConstString("-"), ConstInt(1)}))},
		{"ilike_prefix", must(NewLikeWith(col(2), "GPT%", LikeOpts{ILike: true, Escape: '\\'}))},
		{"extract_hour", must(NewExtract("hour", col(4), false))},
		{"extract_dow", must(NewExtract("dow", col(4), false))},
		{"extract_month", must(NewExtract("month", col(4), false))},
		{"extract_epoch", must(NewExtract("epoch", col(4), false))},
		{"date_trunc_minute", must(NewDateTrunc("minute", col(4)))},
		{"date_trunc_month", must(NewDateTrunc("month", col(4)))},
		{"regex_match", must(NewRegexMatch(col(2), ConstString("^gpt-[0-9]"), false, false))},
		{"regex_match_icase", must(NewRegexMatch(col(2), ConstString("LLAMA|mistral"), true, false))},
		{"regexp_replace", must(NewCall("REGEXP_REPLACE", []Expr{col(2), ConstString("-([0-9a-z]+)$"), ConstString(":\\1"), ConstString("g")}))},
		{"regexp_count", must(NewCall("REGEXP_COUNT", []Expr{col(2), ConstString("[a-z]")}))},
		{"is_distinct_from", must(NewDistinct(col(1), ConstFloat(10), false))},
	}
	batch := benchBatch()
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			out := &coldata.Vec{}
			c.e.Eval(batch, out)
			b.ReportAllocs()
			b.SetBytes(int64(batch.Len)) // MB/s reads as M rows/s
			for b.Loop() {
				c.e.Eval(batch, out)
			}
		})
	}
}

func BenchmarkFilter(b *testing.B) {
	for _, sel := range []bool{false, true} {
		b.Run(fmt.Sprintf("with_sel=%v", sel), func(b *testing.B) {
			batch := benchBatch()
			f := must(NewFilter(must(NewAnd(
				must(NewCompare(GT, col(1), ConstFloat(10))),
				must(NewLike(col(2), "%a%", false))))))
			var base []int
			if sel {
				for i := 0; i < batch.Len; i += 2 {
					base = append(base, i)
				}
			}
			s := make([]int, len(base))
			b.ReportAllocs()
			b.SetBytes(int64(batch.Len))
			for b.Loop() {
				batch.Sel = nil
				if sel {
					copy(s, base)
					batch.Sel = s
				}
				f.Apply(batch)
			}
		})
	}
}
