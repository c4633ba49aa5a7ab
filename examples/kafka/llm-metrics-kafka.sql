-- LLM request metrics from a Kafka topic, in 5-minute tumbling windows per
-- model, written to another Kafka topic (and, for the SELECT, to stdout).
-- See README.md in this directory for the walkthrough.
--
-- bounded = 'latest' reads the topic up to its end at start, then ends the
-- run (a backfill). Remove it to keep reading; idle_advance then lets the
-- last windows close when traffic stops.

CREATE SOURCE metrics (
  ts          TIMESTAMP,
  model       VARCHAR,
  latency_ms  DOUBLE,
  cost        DOUBLE,
  tokens      BIGINT,
  error       VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '2' MINUTE
) WITH (connector = 'kafka', topic = 'llm-metrics', brokers = '127.0.0.1:9092',
        format = 'json', start_offset = 'earliest', bounded = 'latest',
        idle_timeout = '30s', dead_letter_topic = 'llm-metrics-dlq');

CREATE SINK metrics_5m AS
  SELECT window_start, window_end, model,
         COUNT(*)        AS requests,
         AVG(latency_ms) AS avg_latency_ms,
         SUM(cost)       AS cost
  FROM TUMBLE(metrics, ts, INTERVAL '5' MINUTE)
  GROUP BY window_start, window_end, model
WITH (connector = 'kafka', topic = 'llm-metrics-5m', brokers = '127.0.0.1:9092',
      key_columns = 'window_start,window_end,model');

SELECT window_start, window_end, model,
       COUNT(*)                                                      AS requests,
       AVG(latency_ms)                                               AS avg_latency_ms,
       SUM(CASE WHEN error IS NOT NULL THEN 1 ELSE 0 END) / COUNT(*) AS error_rate
FROM TUMBLE(metrics, ts, INTERVAL '5' MINUTE)
GROUP BY window_start, window_end, model;
