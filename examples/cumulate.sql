-- Running totals within each 30-minute period: CUMULATE(metrics, ts, step,
-- size) gives, per model, the windows [S, S + 5 min), [S, S + 10 min), …,
-- [S, S + 30 min) for every 30-minute period S, so each row is the period so
-- far (Flink's CUMULATE). An event at 00:07 counts in [00:00, 00:10),
-- [00:00, 00:15), …, [00:00, 00:30), not in [00:00, 00:05).
--
-- The built-in generator: 200,000 requests 10 ms apart in event time (about
-- 33 minutes), up to 30 s out of order; the watermark trails the largest event
-- time by 2 minutes. Rows are final once the watermark passes a window's end.
--
--   go run ./cmd/weir run examples/cumulate.sql

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
       COUNT(*)     AS requests,
       SUM(tokens)  AS tokens,
       SUM(cost)    AS cost
FROM CUMULATE(metrics, ts, INTERVAL '5' MINUTE, INTERVAL '30' MINUTE)
GROUP BY window_start, window_end, model;
