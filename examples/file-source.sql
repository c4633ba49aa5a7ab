-- The same 5-minute metrics over a small JSON-lines file shipped with weir.
-- The file holds one event that arrives too late and two malformed lines:
-- they are written to /tmp/weir-dead-letters.jsonl and the query goes on.
--
--   go run ./cmd/weir run examples/file-source.sql

CREATE SOURCE metrics (
  ts          TIMESTAMP,
  model       VARCHAR,
  latency_ms  DOUBLE,
  cost        DOUBLE,
  tokens      BIGINT,
  error       VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE
) WITH (connector = 'file', path = 'examples/data/llm-metrics.jsonl',
        dead_letter_path = '/tmp/weir-dead-letters.jsonl');

SELECT window_start, window_end, model,
       COUNT(*)        AS requests,
       AVG(latency_ms) AS avg_latency_ms,
       MAX(latency_ms) AS max_latency_ms,
       SUM(tokens)     AS tokens
FROM TUMBLE(metrics, ts, INTERVAL '5' MINUTE)
GROUP BY window_start, window_end, model;
