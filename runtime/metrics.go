package runtime

import (
	"math"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/weirdb/weir/operators"
)

// metricsCollector exports the engine's counters in Prometheus form
// (SPEC.md "Metrics"). Values are read at scrape time from the queries'
// atomic counters, so the data path never touches Prometheus. A query's
// series exist while the engine lists it (Engine.Queries) — a dropped
// view's or sink's query is forgotten, so its series go with it — and an
// ad-hoc query's only while it runs (metricQueries).
type metricsCollector struct {
	e *Engine

	eventsIn, rowsOut, late, dropped                *prometheus.Desc
	windowsCreated, windowsCompleted, windowsPruned *prometheus.Desc
	deadLetters, wmLag, wmIdle, hotBytes, warmBytes *prometheus.Desc
	evictions, eventCount, expired                  *prometheus.Desc
}

func newMetricsCollector(e *Engine) *metricsCollector {
	q := []string{"query"}
	d := func(name, help string, labels []string) *prometheus.Desc {
		return prometheus.NewDesc("weir_"+name, help, labels, nil)
	}
	return &metricsCollector{
		e:                e,
		eventsIn:         d("events_in_total", "Events read by the query's sources.", q),
		rowsOut:          d("rows_out_total", "Result rows the query's sink delivered (written, committed or acknowledged).", q),
		late:             d("late_events_total", "Events late for at least one window (SEMANTICS.md §4).", q),
		dropped:          d("dropped_events_total", "Events too late for every window they belong to.", q),
		windowsCreated:   d("windows_created_total", "Windows (per group key) created.", q),
		windowsCompleted: d("windows_completed_total", "Windows (per group key) that fired their final row.", q),
		windowsPruned:    d("windows_pruned_total", "Windows (per group key) whose state was purged.", q),
		deadLetters:      d("dead_letter_events_total", "Events sent to dead letters, all sources.", nil),
		wmLag:            d("watermark_lag_seconds", "Wall clock minus the partition's watermark; +Inf before its first event.", []string{"query", "source", "partition"}),
		wmIdle:           d("watermark_idle_partitions", "Partitions currently idle, per source.", []string{"query", "source"}),
		hotBytes:         d("hot_state_size_bytes", "Bytes of window state held in memory.", nil),
		warmBytes:        d("warm_state_size_bytes", "Bytes of window state spilled to Pebble.", nil),
		evictions:        d("state_evictions_total", "State entries spilled from memory to Pebble.", nil),
		eventCount:       d("window_event_count", "Events per window (per group key) when it fires final.", q),
		expired:          d("state_expired_total", "Spilled state entries dropped after state.warm.ttl.", q),
	}
}

// Describe implements prometheus.Collector.
func (m *metricsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.eventsIn, m.rowsOut, m.late, m.dropped, m.windowsCreated,
		m.windowsCompleted, m.windowsPruned, m.deadLetters, m.wmLag, m.wmIdle, m.hotBytes, m.warmBytes, m.evictions, m.eventCount, m.expired} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *metricsCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	now := m.e.clock.Now().UnixMilli()
	var expired map[string]int64
	if st := m.e.storage; st != nil {
		expired = st.Metrics().ExpiredByQuery()
	}
	for _, q := range m.e.metricQueries() {
		c := &q.Counters
		counter(m.eventsIn, c.EventsIn.Load(), q.ID)
		counter(m.rowsOut, c.RowsOut.Load(), q.ID)
		counter(m.late, c.LateEvents.Load(), q.ID)
		counter(m.dropped, c.DroppedEvents.Load(), q.ID)
		counter(m.windowsCreated, c.WindowsCreated.Load(), q.ID)
		counter(m.windowsCompleted, c.WindowsCompleted.Load(), q.ID)
		counter(m.windowsPruned, c.WindowsPruned.Load(), q.ID)
		ch <- eventCountHistogram(m.eventCount, &c.WindowEventCount, q.ID)
		if m.e.storage != nil {
			counter(m.expired, expired[q.tierQuery()], q.ID)
		}
		for src, parts := range q.Watermarks() {
			idle := 0
			for _, p := range parts {
				if p.Idle {
					idle++
				}
				if !p.Ended && p.Watermark != math.MaxInt64 {
					gauge(m.wmLag, watermarkLag(now, p.Watermark), q.ID, src, strconv.Itoa(int(p.Partition)))
				}
			}
			gauge(m.wmIdle, float64(idle), q.ID, src)
		}
	}
	counter(m.deadLetters, m.e.deadLetters.total.Load())
	var hot, warm, evictions int64
	if st := m.e.storage; st != nil {
		hot, warm, evictions = st.HotBytes(), int64(st.WarmBytes()), st.Metrics().Evictions.Load()
	}
	gauge(m.hotBytes, float64(hot))
	gauge(m.warmBytes, float64(warm))
	counter(m.evictions, evictions)
}

// watermarkLag is weir_watermark_lag_seconds of a partition whose watermark
// is wm at wall-clock time now (both epoch ms): +Inf for a partition that
// has not received an event yet (W_p = −∞), so that an alert on the lag
// fires for the partition that holds its source at −∞.
func watermarkLag(now, wm int64) float64 {
	if wm == math.MinInt64 {
		return math.Inf(1)
	}
	return float64(now-wm) / 1000
}

// tierQuery is the storage.TierKey.Query of q's warm tier: its durable
// key, or "run/<id>" for a query without one (as query.go opens it).
func (q *Query) tierQuery() string {
	if q.key == "" {
		return "run/" + q.ID
	}
	return q.key
}

// metricQueries returns the queries that have metric series: every listed
// query except an ad-hoc one that has ended (SHOW QUERIES keeps the last
// few for diagnosis, but a server running ad-hoc SELECTs for weeks must not
// collect a series per SELECT).
func (e *Engine) metricQueries() []*Query {
	qs := e.Queries()
	return slices.DeleteFunc(qs, func(q *Query) bool { return q.kind == kindAdhoc && q.stopped() })
}

// eventCountHistogram exports h with its bucket bounds.
func eventCountHistogram(d *prometheus.Desc, h *operators.Histogram, query string) prometheus.Metric {
	cum, count, sum := h.Snapshot()
	buckets := make(map[float64]uint64, len(cum))
	for i, n := range cum {
		buckets[float64(operators.HistogramBound(i))] = n
	}
	return prometheus.MustNewConstHistogram(d, count, float64(sum), buckets, query)
}

// Registry returns a Prometheus registry with the engine's metrics and the
// Go runtime's.
func (e *Engine) Registry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(newMetricsCollector(e), e.ckptHist, collectors.NewGoCollector())
	return r
}
