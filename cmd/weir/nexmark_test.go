package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRunNexmark runs the three Nexmark kinds of datagen through `weir run`
// with the same seed and options. Expected values follow from the
// generator's definition (SPEC.md "Connectors", docs: README datagen): of
// every 50 events of the Nexmark sequence, event 0 is a person, 1–3 are
// auctions and 4–49 bids; event g has event time start + g·event_interval;
// the n-th person and auction have id 1000 + n. With event_interval 1s,
// the 50-second tumbling window e holds sequence events 50e..50e+49: person
// 1000+e, auctions 1000+3e..1002+3e and 46 bids. A bid's auction is one
// opened by then or one of the next 10, and half of the bids go to the hot
// auction, the first of the latest block of 100 (here always 1000).
func TestRunNexmark(t *testing.T) {
	dir := t.TempDir()
	const with = `seed = '11', event_interval = '1s'`
	q := writeFile(t, dir, "nexmark.sql", `
CREATE SOURCE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP,
  WATERMARK FOR date_time AS date_time - INTERVAL '0' SECOND)
  WITH (connector = 'datagen', kind = 'bid', count = '460', `+with+`);
CREATE SOURCE auction (id BIGINT, seller BIGINT, date_time TIMESTAMP,
  WATERMARK FOR date_time AS date_time - INTERVAL '0' SECOND)
  WITH (connector = 'datagen', kind = 'auction', count = '30', `+with+`);
CREATE SOURCE person (id BIGINT, date_time TIMESTAMP,
  WATERMARK FOR date_time AS date_time - INTERVAL '0' SECOND)
  WITH (connector = 'datagen', kind = 'person', count = '10', `+with+`);
SELECT window_start, COUNT(*) AS bids FROM TUMBLE(bid, date_time, INTERVAL '50' SECOND) GROUP BY window_start;
SELECT window_start, COUNT(*) AS auctions, MIN(id) AS first_id, MAX(id) AS last_id
FROM TUMBLE(auction, date_time, INTERVAL '50' SECOND) GROUP BY window_start;
SELECT window_start, COUNT(*) AS people, MIN(id) AS id FROM TUMBLE(person, date_time, INTERVAL '50' SECOND) GROUP BY window_start;
SELECT auction, window_start, COUNT(*) AS bids FROM TUMBLE(bid, date_time, INTERVAL '50' SECOND) GROUP BY window_start, auction;
`)
	code, out, errw := runWeir("--format", "jsonl", q)
	require.Equal(t, exitOK, code, errw)

	var lines [4][]string
	perAuction := map[string]map[int64]int64{} // window_start → auction → bids
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var row struct {
			Query       int    `json:"_query"`
			Emit        string `json:"_emit"`
			WindowStart string `json:"window_start"`
			Auction     int64  `json:"auction"`
			Bids        int64  `json:"bids"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &row), sc.Text())
		require.Equal(t, "final", row.Emit, sc.Text())
		require.True(t, row.Query >= 1 && row.Query <= 4, sc.Text())
		if row.Query == 4 {
			if perAuction[row.WindowStart] == nil {
				perAuction[row.WindowStart] = map[int64]int64{}
			}
			perAuction[row.WindowStart][row.Auction] += row.Bids
			continue
		}
		lines[row.Query-1] = append(lines[row.Query-1], sc.Text())
	}
	require.NoError(t, sc.Err())

	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var wantBids, wantAuctions, wantPeople []string
	for e := 0; e < 10; e++ {
		ws := start.Add(time.Duration(50*e) * time.Second).Format("2006-01-02T15:04:05.000Z")
		wantBids = append(wantBids, fmt.Sprintf(`{"window_start":%q,"bids":46,"_emit":"final","_query":1}`, ws))
		wantAuctions = append(wantAuctions, fmt.Sprintf(`{"window_start":%q,"auctions":3,"first_id":%d,"last_id":%d,"_emit":"final","_query":2}`, ws, 1000+3*e, 1002+3*e))
		wantPeople = append(wantPeople, fmt.Sprintf(`{"window_start":%q,"people":1,"id":%d,"_emit":"final","_query":3}`, ws, 1000+e))

		counts := perAuction[ws]
		require.NotNil(t, counts, ws)
		total, top := int64(0), int64(0)
		for a, n := range counts {
			total += n
			// Opened by the window's end (auction 1002+3e), or one of the next 10.
			require.GreaterOrEqual(t, a, int64(1000), ws)
			require.LessOrEqual(t, a, int64(1002+3*e+10), ws)
			if a != 1000 {
				top = max(top, n)
			}
		}
		require.Equal(t, int64(46), total, ws)
		require.Greater(t, counts[1000], top, "the hot auction has the most bids in %s", ws)
	}
	require.Len(t, perAuction, 10)
	require.ElementsMatch(t, wantBids, lines[0])
	require.ElementsMatch(t, wantAuctions, lines[1])
	require.ElementsMatch(t, wantPeople, lines[2])
}
