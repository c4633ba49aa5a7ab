-- LLM request metrics in 5-minute tumbling windows per model: requests,
-- average and maximum latency, cost and error rate.
--
-- The built-in generator stands in for a Kafka topic: 200,000 requests, 10 ms
-- apart in event time (about 33 minutes), up to 30 s out of order. Results are
-- final: each window's row is printed once the watermark (the largest event
-- time seen minus 2 minutes) passes its end.
--
--   go run ./cmd/weir run examples/llm-metrics.sql

CREATE SOURCE metrics (
  ts          TIMESTAMP,
  model       VARCHAR,
  latency_ms  DOUBLE,
  cost        DOUBLE,
  tokens      BIGINT,
  error       VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '2' MINUTE
) WITH (connector = 'datagen', kind = 'llm_metrics', seed = '42',
        count = '200000', event_interval = '10ms', max_out_of_order = '30s');

SELECT window_start, window_end, model,
       COUNT(*)                                                  AS requests,
       AVG(latency_ms)                                           AS avg_latency_ms,
       MAX(latency_ms)                                           AS max_latency_ms,
       SUM(cost)                                                 AS cost,
       SUM(CASE WHEN error IS NOT NULL THEN 1 ELSE 0 END) / COUNT(*) AS error_rate
FROM TUMBLE(metrics, ts, INTERVAL '5' MINUTE)
GROUP BY window_start, window_end, model;
