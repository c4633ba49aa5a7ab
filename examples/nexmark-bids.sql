-- Hot items, after Nexmark's query 5: the auctions with the most bids in
-- sliding one-minute windows, every 10 seconds.
--
-- The built-in Nexmark generator stands in for an auction site's bid stream
-- (columns as in Flink's and RisingWave's nexmark connectors; kinds 'auction'
-- and 'person' give the matching auctions and people for the same seed).
-- 46,000 bids: 50,000 Nexmark events 10 ms apart in event time (of every 50,
-- one is a new person and three are new auctions, which this source skips),
-- about 8 minutes, up to 2 s out of order. Half of the bids go to the
-- current hot auction, which changes every 100 auctions (about 17 s here),
-- so each window shows one or a few hot items.
--
--   go run ./cmd/weir run examples/nexmark-bids.sql

CREATE SOURCE bid (
  auction    BIGINT,
  bidder     BIGINT,
  price      BIGINT,
  channel    VARCHAR,
  url        VARCHAR,
  date_time  TIMESTAMP,
  extra      VARCHAR,
  WATERMARK FOR date_time AS date_time - INTERVAL '5' SECOND
) WITH (connector = 'datagen', kind = 'bid', seed = '1',
        count = '46000', event_interval = '10ms', max_out_of_order = '2s');

SELECT window_start, window_end, auction,
       COUNT(*)                 AS bids,
       COUNT(DISTINCT bidder)   AS bidders,
       MAX(price)               AS top_price_cents
FROM HOP(bid, date_time, INTERVAL '10' SECOND, INTERVAL '1' MINUTE)
GROUP BY window_start, window_end, auction
HAVING COUNT(*) >= 100;
