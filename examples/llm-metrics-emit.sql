-- LLM request metrics, the seed's performance workload with its exact
-- parameters (as llm-metrics.sql, plus a p95 latency): 5-minute tumbling
-- windows per model, a watermark 2 minutes behind the largest event time,
-- early results every 30 seconds and 2 minutes of allowed lateness. Here the
-- data is more out of order than the watermark allows, to show late rows.
--
-- The built-in generator stands in for a Kafka topic: 200,000 requests, 10 ms
-- apart in event time (about 33 minutes), up to 150 s out of order. The
-- watermark trails the largest event time by 2 minutes, so an event up to
-- 30 s behind the watermark can land in a window that has already closed: it
-- is late (within the 2 minutes), the window takes it and its row comes out
-- again with _emit = late, carrying the full aggregate. Rows are final once
-- the watermark passes a window's end. EARLY EVERY is processing time: this
-- bounded run takes about a second, so early rows appear only when the
-- source is slower (set rate = '2000', or read a Kafka topic).
--
--   go run ./cmd/weir run examples/llm-metrics-emit.sql

CREATE SOURCE metrics (
  ts          TIMESTAMP,
  model       VARCHAR,
  latency_ms  DOUBLE,
  cost        DOUBLE,
  tokens      BIGINT,
  error       VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '2' MINUTE
) WITH (connector = 'datagen', kind = 'llm_metrics', seed = '42',
        count = '200000', event_interval = '10ms', max_out_of_order = '150s');

SELECT window_start, window_end, model,
       COUNT(*)                                                  AS requests,
       AVG(latency_ms)                                           AS avg_latency_ms,
       PERCENTILE_CONT(latency_ms, 0.95)                         AS p95_latency_ms,
       MAX(latency_ms)                                           AS max_latency_ms,
       SUM(cost)                                                 AS cost,
       SUM(CASE WHEN error IS NOT NULL THEN 1 ELSE 0 END) / COUNT(*) AS error_rate
FROM TUMBLE(metrics, ts, INTERVAL '5' MINUTE)
GROUP BY window_start, window_end, model
EMIT EARLY EVERY INTERVAL '30' SECOND,
     LATE WITHIN INTERVAL '2' MINUTE;
