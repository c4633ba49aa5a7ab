-- Anomaly detection on system health, the seed's monitoring workload with
-- its exact parameters: 15-minute windows sliding every minute per host, a
-- watermark 10 seconds behind the largest event time, a result at once
-- (_emit = early) whenever a critical event arrives, the seed's fallback of
-- regular updates every 5 seconds, and the final row when the window closes.
-- HAVING keeps the windows worth a look. EARLY EVERY is processing time:
-- this bounded run takes well under a second, so its early rows are those of
-- the critical events (set rate = '1000' to see the 5-second ones too).
--
-- The generator's 12 hosts report every 50 ms of event time; 40,000 events
-- cover about 33 minutes; about 0.5% of them are critical.
--
--   go run ./cmd/weir run examples/anomaly-detection.sql

CREATE SOURCE health (
  ts          TIMESTAMP,
  host        VARCHAR,
  service     VARCHAR,
  cpu         DOUBLE,
  memory      DOUBLE,
  error_rate  DOUBLE,
  severity    VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
) WITH (connector = 'datagen', kind = 'system_health', seed = '3',
        count = '40000', event_interval = '50ms', max_out_of_order = '5s');

SELECT window_start, window_end, host,
       COUNT(*)                                                     AS events,
       SUM(CASE WHEN severity = 'critical' THEN 1 ELSE 0 END)       AS critical,
       AVG(cpu)                                                     AS avg_cpu,
       MAX(cpu)                                                     AS max_cpu,
       APPROX_PERCENTILE(error_rate, 0.99)                          AS p99_error_rate
FROM HOP(health, ts, INTERVAL '1' MINUTE, INTERVAL '15' MINUTE)
GROUP BY window_start, window_end, host
HAVING SUM(CASE WHEN severity = 'critical' THEN 1 ELSE 0 END) > 0
EMIT EARLY WHEN severity = 'critical',
     EARLY EVERY INTERVAL '5' SECOND;
