package runtime

import (
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// DeadLettersView is the system view of recent dead letters (SPEC.md
// "Views, sinks, catalog"): the last dead letters of every source, oldest
// first, queryable with SELECT like a materialized view.
const DeadLettersView = "weir_dead_letters"

// deadLetterSchema is weir_dead_letters' columns. query is the id of the
// query that dead-lettered the event (as SHOW QUERIES and the dead-letter
// file's "query" field have it; each query reads its sources on its own,
// so a view and a sink FROM it report the same event under two ids), NULL
// for a dead letter raised outside a query; payload is the original event
// text; detail says what was wrong with it; time is when it was
// dead-lettered (processing time).
var deadLetterSchema = catalog.Schema{
	{Name: "query", Type: catalog.Varchar},
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
		if d.Query == "" {
			b.Cols[0].Nulls.Set(i)
		} else {
			b.Cols[0].Str[i] = d.Query
		}
		b.Cols[1].Str[i] = d.Source
		b.Cols[2].I64[i] = int64(d.Partition)
		b.Cols[3].I64[i] = d.Offset
		b.Cols[4].Str[i] = d.Reason
		b.Cols[5].Str[i] = d.Detail
		b.Cols[6].Str[i] = string(d.Payload)
		b.Cols[7].I64[i] = d.TimeMs
	}
	return b
}
