package runtime

import (
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// DeadLettersView is the system view of recent dead letters (SPEC.md
// "Views, sinks, catalog"): the last dead letters of every source, oldest
// first, queryable with SELECT like a materialized view.
const DeadLettersView = "weir_dead_letters"

// deadLetterSchema is weir_dead_letters' columns. payload is the original
// event text; detail says what was wrong with it; time is when it was
// dead-lettered (processing time).
var deadLetterSchema = catalog.Schema{
	{Name: "source", Type: catalog.Varchar},
	{Name: "partition", Type: catalog.Bigint},
	{Name: "offset", Type: catalog.Bigint},
	{Name: "reason", Type: catalog.Varchar},
	{Name: "detail", Type: catalog.Varchar},
	{Name: "payload", Type: catalog.Varchar},
	{Name: "time", Type: catalog.Timestamp},
}

// DeadLetterSchema returns weir_dead_letters' columns.
func DeadLetterSchema() catalog.Schema { return deadLetterSchema }

// deadLetterBatch copies the kept dead letters into a batch.
func (e *Engine) deadLetterBatch() *coldata.Batch {
	recent := e.deadLetters.Recent()
	b := coldata.NewBatch(deadLetterSchema, len(recent))
	b.Reset(len(recent))
	for i, d := range recent {
		b.Cols[0].Str[i] = d.Source
		b.Cols[1].I64[i] = int64(d.Partition)
		b.Cols[2].I64[i] = d.Offset
		b.Cols[3].Str[i] = d.Reason
		b.Cols[4].Str[i] = d.Detail
		b.Cols[5].Str[i] = string(d.Payload)
		b.Cols[6].I64[i] = d.TimeMs
	}
	return b
}
