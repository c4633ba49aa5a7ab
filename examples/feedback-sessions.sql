-- User feedback in sessions, the seed's engagement workload with its exact
-- parameters: a session per user closes after 30 minutes without feedback and
-- never spans more than 4 hours (a longer burst is cut there and a new
-- session starts); the watermark trails the largest event time by 10 minutes.
--
-- The generator's 200 users come back in bursts; 20,000 feedback events
-- 5 s apart in event time cover about 28 hours. window_start is a session's
-- first event, window_end min(last + 30 min, first + 4 h). A session's row
-- is final once the watermark passes its end, so about 10 minutes of event
-- time after it.
--
--   go run ./cmd/weir run examples/feedback-sessions.sql

CREATE SOURCE feedback (
  ts          TIMESTAMP,
  user_id     VARCHAR,
  session_id  VARCHAR,
  model       VARCHAR,
  rating      BIGINT,
  thumbs_up   BOOLEAN,
  comment     VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '10' MINUTE
) WITH (connector = 'datagen', kind = 'llm_feedback', seed = '7',
        count = '20000', event_interval = '5s', max_out_of_order = '30s');

SELECT user_id, window_start, window_end,
       COUNT(*)                                          AS events,
       AVG(rating)                                       AS avg_rating,
       SUM(CASE WHEN thumbs_up THEN 1 ELSE 0 END)         AS thumbs_up,
       COUNT(comment)                                    AS comments,
       FIRST_VALUE(model)                                AS first_model,
       LAST_VALUE(model)                                 AS last_model
FROM SESSION(feedback, ts, INTERVAL '30' MINUTE, INTERVAL '4' HOUR)
GROUP BY window_start, window_end, user_id;
