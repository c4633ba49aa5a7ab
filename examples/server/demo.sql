-- Statements for a running `weir serve` (psql -f, or weir submit --server).
-- A generator paced at 200 events per second stands in for live traffic;
-- per_model holds each model's 1-minute windows, queryable at any time.

CREATE SOURCE live_metrics (
  ts          TIMESTAMP,
  model       VARCHAR,
  latency_ms  DOUBLE,
  cost        DOUBLE,
  error       VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (connector = 'datagen', kind = 'llm_metrics', seed = '7', rate = '200');

CREATE MATERIALIZED VIEW per_model AS
SELECT window_start, window_end, model,
       COUNT(*)                                     AS requests,
       AVG(latency_ms)                              AS avg_latency_ms,
       APPROX_PERCENTILE(latency_ms, 0.95)          AS p95_latency_ms,
       SUM(cost)                                    AS cost
FROM TUMBLE(live_metrics, ts, INTERVAL '1' MINUTE)
GROUP BY window_start, window_end, model
EMIT EARLY EVERY INTERVAL '10' SECOND;
