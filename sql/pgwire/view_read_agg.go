package pgwire

// Aggregating a view's rows (view_read.go): not supported yet. The read is
// refused here, at the aggregate, before any rewrite: also for PostgreSQL's
// aggregates weir does not have (string_agg, ...), which a client such as
// Grafana may send, and for weir_dead_letters. The words are the planner's
// (planner.viewAggregationErr), so that weir run, weir repl and the wire
// say the same.

// aggregateNames are the aggregate functions a client may call on a view's
// rows: weir's own (the planner's) and PostgreSQL's other built-in ones.
var aggregateNames = map[string]bool{
	// weir's
	"count": true, "sum": true, "avg": true, "min": true, "max": true,
	"stddev": true, "stddev_samp": true, "variance": true, "var_samp": true,
	"percentile_cont": true, "approx_percentile": true, "approx_count_distinct": true,
	"first_value": true, "last_value": true,
	// PostgreSQL's
	"array_agg": true, "string_agg": true, "json_agg": true, "jsonb_agg": true,
	"json_object_agg": true, "jsonb_object_agg": true, "xmlagg": true,
	"bool_and": true, "bool_or": true, "every": true, "bit_and": true, "bit_or": true, "bit_xor": true,
	"stddev_pop": true, "var_pop": true, "corr": true, "covar_pop": true, "covar_samp": true,
	"regr_avgx": true, "regr_avgy": true, "regr_count": true, "regr_intercept": true,
	"regr_r2": true, "regr_slope": true, "regr_sxx": true, "regr_sxy": true, "regr_syy": true,
	"percentile_disc": true, "mode": true, "any_value": true, "range_agg": true,
}

// aggregates refuses an aggregate call (0A000, at the call), else GROUP BY
// or HAVING (at the keyword), anywhere before the LIMIT / OFFSET / FETCH
// tail.
func (p *viewReadPlanner) aggregates() error {
	toks := p.toks
	clause := -1 // the first top-level GROUP BY or HAVING
	depth := 0
	for k := p.firstAt; k < p.end; k++ {
		t := toks[k]
		switch {
		case isOpTok(t, "("):
			depth++
		case isOpTok(t, ")"):
			depth--
		case isName(t) && aggregateNames[t.s] && isOpTok(toks[k+1], "(") &&
			(!isOpTok(toks[k-1], ".") || k >= 2 && isKwTok(toks[k-2], "pg_catalog")):
			return posErrorf(t.off, codeFeatureNotSupported, "aggregate functions over the rows of view %q are not supported yet%s", p.vr.rel.Name, p.aggregateInstead())
		case clause < 0 && depth == 0 && k > p.fromAt && (isKwTok(t, "group") && isKwTok(toks[k+1], "by") || isKwTok(t, "having")):
			clause = k
		}
	}
	if clause < 0 {
		return nil
	}
	what := "GROUP BY"
	if isKwTok(toks[clause], "having") {
		what = "HAVING"
	}
	return posErrorf(toks[clause].off, codeFeatureNotSupported, "%s over the rows of view %q is not supported yet%s", what, p.vr.rel.Name, p.aggregateInstead())
}

// aggregateInstead says what to do instead, for a materialized view (a
// system view has no source to aggregate).
func (p *viewReadPlanner) aggregateInstead() string {
	if p.vr.rel.Kind == RelSystemView {
		return ""
	}
	return "; aggregate over the view's source with a window instead " +
		"(SELECT ... FROM TUMBLE(source, ts, INTERVAL '5' MINUTE) GROUP BY window_start, window_end, ...)"
}
