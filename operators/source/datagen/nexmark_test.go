package datagen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// The Nexmark schemas as RisingWave's and Flink's nexmark connectors declare
// them.
var (
	personSchema = catalog.Schema{
		{Name: "id", Type: catalog.Bigint}, {Name: "name", Type: catalog.Varchar},
		{Name: "email_address", Type: catalog.Varchar}, {Name: "credit_card", Type: catalog.Varchar},
		{Name: "city", Type: catalog.Varchar}, {Name: "state", Type: catalog.Varchar},
		{Name: "date_time", Type: catalog.Timestamp}, {Name: "extra", Type: catalog.Varchar},
	}
	auctionSchema = catalog.Schema{
		{Name: "id", Type: catalog.Bigint}, {Name: "item_name", Type: catalog.Varchar},
		{Name: "description", Type: catalog.Varchar}, {Name: "initial_bid", Type: catalog.Bigint},
		{Name: "reserve", Type: catalog.Bigint}, {Name: "date_time", Type: catalog.Timestamp},
		{Name: "expires", Type: catalog.Timestamp}, {Name: "seller", Type: catalog.Bigint},
		{Name: "category", Type: catalog.Bigint}, {Name: "extra", Type: catalog.Varchar},
	}
	bidSchema = catalog.Schema{
		{Name: "auction", Type: catalog.Bigint}, {Name: "bidder", Type: catalog.Bigint},
		{Name: "price", Type: catalog.Bigint}, {Name: "channel", Type: catalog.Varchar},
		{Name: "url", Type: catalog.Varchar}, {Name: "date_time", Type: catalog.Timestamp},
		{Name: "extra", Type: catalog.Varchar},
	}
	nexmarkSchemas = map[string]catalog.Schema{"person": personSchema, "auction": auctionSchema, "bid": bidSchema}
)

// readAll reads src to EOF and returns its rows, one []any per row (int64,
// string, or nil for NULL) in schema order.
func readAll(t *testing.T, src *Source) [][]any {
	t.Helper()
	var out [][]any
	b := coldata.NewBatch(src.Schema(), 0)
	for {
		err := src.Read(context.Background(), b)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		for i := 0; i < b.Len; i++ {
			row := make([]any, len(b.Cols))
			for c, v := range b.Cols {
				switch {
				case v.Nulls.IsNull(i):
				case v.Type == catalog.Varchar:
					row[c] = v.Str[i]
				default:
					row[c] = v.I64[i]
				}
			}
			out = append(out, row)
		}
	}
}

// TestNexmarkSchema: each kind generates exactly the Nexmark columns; the
// declared columns are matched as for the other kinds (by name, any case,
// any order, any subset; an unknown one is NULL; a wrong type is an error).
func TestNexmarkSchema(t *testing.T) {
	for kind, schema := range nexmarkSchemas {
		var fields catalog.Schema
		for _, f := range kinds[kind].fields {
			fields = append(fields, catalog.Column{Name: f.name, Type: f.typ})
		}
		require.Equal(t, schema, fields, kind)
		require.Equal(t, "date_time", kinds[kind].fields[kinds[kind].ts].name, kind)

		rows := readAll(t, open(t, schema, catalog.Options{"kind": kind, "count": "500"}, nil))
		require.Len(t, rows, 500, kind)
		for _, r := range rows {
			for c, v := range r {
				require.NotNil(t, v, "%s.%s", kind, schema[c].Name)
			}
		}
	}

	// A subset in another order, upper case, with a column no kind has.
	schema := catalog.Schema{
		{Name: "note", Type: catalog.Varchar}, {Name: "DATE_TIME", Type: catalog.Timestamp},
		{Name: "Price", Type: catalog.Bigint}, {Name: "auction", Type: catalog.Bigint},
	}
	opts := catalog.Options{"kind": "bid", "count": "46", "event_interval": "1s", "seed": "9"}
	sub := readAll(t, open(t, schema, opts, nil))
	full := readAll(t, open(t, bidSchema, opts, nil))
	require.Len(t, sub, 46)
	start := DefaultStartTime.UnixMilli()
	for k, r := range sub {
		require.Nil(t, r[0])
		// The first 46 bids are events 4..49 of the sequence, 1 s apart.
		require.Equal(t, start+int64(4+k)*1000, r[1])
		require.Equal(t, []any{full[k][5], full[k][2], full[k][0]}, r[1:])
	}

	_, err := New(&catalog.Source{Name: "gen", Schema: catalog.Schema{{Name: "price", Type: catalog.Double}},
		Options: catalog.Options{"kind": "bid"}})
	require.EqualError(t, err, `source "gen": column "price" must be BIGINT for kind bid, declared DOUBLE`)
	_, err = New(&catalog.Source{Name: "gen", Schema: catalog.Schema{{Name: "date_time", Type: catalog.Varchar}},
		Options: catalog.Options{"kind": "person"}})
	require.EqualError(t, err, `source "gen": column "date_time" must be TIMESTAMP for kind person, declared VARCHAR`)
}

func TestNexmarkDeterministic(t *testing.T) {
	for kind, schema := range nexmarkSchemas {
		opts := func(seed, ooo string) catalog.Options {
			return catalog.Options{"kind": kind, "seed": seed, "count": "3000", "max_out_of_order": ooo}
		}
		a := rowsOf(t, open(t, schema, opts("7", "2s"), nil))
		require.Len(t, a, 3000, kind)
		require.Equal(t, a, rowsOf(t, open(t, schema, opts("7", "2s"), nil)), kind)
		require.NotEqual(t, a, rowsOf(t, open(t, schema, opts("8", "2s"), nil)), kind)

		// An event's values other than its event time do not depend on the
		// jitter.
		ts := kinds[kind].ts
		x := readAll(t, open(t, schema, opts("7", "2s"), nil))
		y := readAll(t, open(t, schema, opts("7", "0s"), nil))
		jittered := 0
		for k := range x {
			if x[k][ts] != y[k][ts] {
				jittered++
			}
			x[k][ts], y[k][ts] = nil, nil
		}
		require.Equal(t, y, x, kind)
		require.Greater(t, jittered, 2500, kind)
	}
}

// TestNexmarkProportions: of every 50 events of the sequence 1 is a person,
// 3 are auctions and 46 bids, at positions 0, 1–3 and 4–49; count counts
// the kind's own events.
func TestNexmarkProportions(t *testing.T) {
	start := DefaultStartTime.UnixMilli()
	opts := func(kind, count string) catalog.Options {
		return catalog.Options{"kind": kind, "count": count, "event_interval": "1s", "seed": "2"}
	}
	persons := readAll(t, open(t, personSchema, opts("person", "100"), nil))
	auctions := readAll(t, open(t, auctionSchema, opts("auction", "300"), nil))
	bids := readAll(t, open(t, bidSchema, opts("bid", "4600"), nil))
	require.Len(t, persons, 100)
	require.Len(t, auctions, 300)
	require.Len(t, bids, 4600)
	for k, r := range persons {
		require.Equal(t, start+int64(50*k)*1000, r[6])
	}
	for k, r := range auctions {
		require.Equal(t, start+int64(50*(k/3)+1+k%3)*1000, r[5])
	}
	for k, r := range bids {
		require.Equal(t, start+int64(50*(k/46)+4+k%46)*1000, r[5])
	}
	// Per 50-second tumbling window: 1, 3 and 46 events.
	per := map[int64][3]int{}
	count := func(i int, rows [][]any, ts int) {
		for _, r := range rows {
			w := (r[ts].(int64) - start) / 50000
			c := per[w]
			c[i]++
			per[w] = c
		}
	}
	count(0, persons, 6)
	count(1, auctions, 5)
	count(2, bids, 5)
	require.Len(t, per, 100)
	for w, c := range per {
		require.Equal(t, [3]int{1, 3, 46}, c, "window %d", w)
	}

	// count = 0: bounded and empty.
	src := open(t, bidSchema, opts("bid", "0"), nil)
	require.ErrorIs(t, src.Read(context.Background(), coldata.NewBatch(bidSchema, 0)), io.EOF)
}

// TestNexmarkIDs: the three kinds generated with the same seed and options
// agree: people and auctions are numbered from 1000 in order, and sellers,
// bidders and bids' auctions are people and auctions that exist by then or
// are among the next 10; most are the hot ones.
func TestNexmarkIDs(t *testing.T) {
	opts := func(kind, count string) catalog.Options {
		return catalog.Options{"kind": kind, "count": count, "seed": "5", "event_interval": "10ms"}
	}
	const epochs = 1000
	persons := readAll(t, open(t, personSchema, opts("person", "1000"), nil))
	auctions := readAll(t, open(t, auctionSchema, opts("auction", "3000"), nil))
	bids := readAll(t, open(t, bidSchema, opts("bid", "46000"), nil))

	// Times are distinct (no jitter), so "exists by then" is "has an
	// earlier or equal date_time".
	var personAt, auctionAt []int64
	for k, r := range persons {
		require.Equal(t, int64(1000+k), r[0])
		personAt = append(personAt, r[6].(int64))
	}
	for k, r := range auctions {
		require.Equal(t, int64(1000+k), r[0])
		auctionAt = append(auctionAt, r[5].(int64))
	}
	existing := func(at []int64, ts int64) int64 { // how many have date_time ≤ ts
		return int64(sort.Search(len(at), func(i int) bool { return at[i] > ts }))
	}
	// check fails the test unless ok (testify per row would be slow here).
	check := func(ok bool, format string, args ...any) {
		if !ok {
			t.Helper()
			t.Fatalf(format, args...)
		}
	}
	checkPerson := func(what string, id, ts int64) {
		n := existing(personAt, ts)
		check(id >= 1000+max(n-1000, 0) && id < 1000+n+10, "%s %d at %d: %d people by then", what, id, ts, n)
	}

	hotSeller := 0
	categories := map[int64]bool{}
	for _, r := range auctions {
		ts, seller := r[5].(int64), r[7].(int64)
		checkPerson("seller", seller, ts)
		if n := existing(personAt, ts); seller == 1000+(n-1)/100*100 {
			hotSeller++
		}
		expires := r[6].(int64)
		// Within twice the time to open 100 auctions: 2 · 1666 events · 10 ms.
		check(expires > ts && expires <= ts+2*1666*10, "auction %v expires %d", r, expires)
		check(r[4].(int64) >= r[3].(int64), "auction %v: reserve < initial_bid", r)
		categories[r[8].(int64)] = true
	}
	require.InDelta(t, 0.75, float64(hotSeller)/float64(len(auctions)), 0.03)
	require.Equal(t, map[int64]bool{10: true, 11: true, 12: true, 13: true, 14: true}, categories)

	hotAuction, hotBidder, knownAuction, hotChannel := 0, 0, 0, 0
	cardRE := regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4}$`)
	channelRE := regexp.MustCompile(`^channel-\d{1,4}$`)
	for _, r := range persons {
		require.Regexp(t, cardRE, r[3])
		require.Contains(t, usStates, r[5])
		require.Contains(t, r[2], "@")
	}
	for _, r := range bids {
		auction, bidder, price, channel, url, ts := r[0].(int64), r[1].(int64), r[2].(int64), r[3].(string), r[4].(string), r[5].(int64)
		checkPerson("bidder", bidder, ts)
		n := existing(auctionAt, ts)
		check(auction >= 1000+max(n-1-100, 0) && auction < 1000+n+10, "bid on auction %d at %d: %d auctions by then", auction, ts, n)
		if auction == 1000+(n-1)/100*100 {
			hotAuction++
		}
		if auction < 1000+n {
			knownAuction++
			check(auctionAt[auction-1000] <= ts, "bid at %d on auction %d opened later", ts, auction)
		}
		if p := existing(personAt, ts); bidder == 1000+(p-1)/100*100+1 {
			hotBidder++
		}
		check(price >= 100 && price <= 100_000_000, "price %d", price)
		check(strings.HasPrefix(url, "https://www.nexmark.com/"), "url %q", url)
		switch channel {
		case "Google", "Facebook", "Baidu", "Apple":
			hotChannel++
		default:
			check(channelRE.MatchString(channel), "channel %q", channel)
		}
	}
	nb := float64(len(bids))
	require.Equal(t, 46*epochs, len(bids))
	// 1/2 go to the hot auction, plus the random draws that hit it.
	require.InDelta(t, 0.5, float64(hotAuction)/nb, 0.03)
	require.Greater(t, float64(knownAuction)/nb, 0.95)
	require.InDelta(t, 0.75, float64(hotBidder)/nb, 0.03)
	require.InDelta(t, 0.5, float64(hotChannel)/nb, 0.02)
}

// TestNexmarkRate: rate paces the positions of the Nexmark sequence (all
// three kinds), so a person source at rate 50 emits one person a second.
func TestNexmarkRate(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := &manualClock{now: t0}
	src := open(t, personSchema, catalog.Options{"kind": "person", "rate": "50"}, clock)
	var waited []time.Duration
	src.wait = func(_ context.Context, d time.Duration) error { waited = append(waited, d); return nil }
	b := coldata.NewBatch(src.Schema(), 0)
	ctx := context.Background()

	// Position 0 (person 1000) is due at 1/50 s.
	require.NoError(t, src.Read(ctx, b))
	require.Equal(t, 0, b.Len)
	require.Equal(t, []time.Duration{20 * time.Millisecond}, waited)

	clock.now = t0.Add(1010 * time.Millisecond)
	require.NoError(t, src.Read(ctx, b))
	require.Equal(t, 1, b.Len)
	require.Equal(t, int64(1000), b.Cols[0].I64[0])
	require.Equal(t, t0.UnixMilli(), b.Cols[6].I64[0])
	// Position 50 (person 1001) is due at 51/50 s, 10 ms from now.
	require.NoError(t, src.Read(ctx, b))
	require.Equal(t, 0, b.Len)
	require.Equal(t, 10*time.Millisecond, waited[1])

	clock.now = t0.Add(10 * time.Second)
	require.NoError(t, src.Read(ctx, b))
	require.Equal(t, 9, b.Len) // positions 50..450
	// event_interval defaults to 1/rate = 20 ms between positions: 1 s
	// between people.
	require.Equal(t, t0.UnixMilli()+9000, b.Cols[6].I64[8])

	// Bids at the same rate: 46 of the first 50 positions.
	clock = &manualClock{now: t0}
	bids := open(t, bidSchema, catalog.Options{"kind": "bid", "rate": "50"}, clock)
	bids.wait = func(context.Context, time.Duration) error { return nil }
	clock.now = t0.Add(time.Second)
	require.NoError(t, bids.Read(ctx, b))
	require.Equal(t, 46, b.Len)
	require.Equal(t, t0.UnixMilli()+4*20, b.Cols[5].I64[0])
	require.Equal(t, t0.UnixMilli()+49*20, b.Cols[5].I64[45])
}

func TestNexmarkCheckpointResume(t *testing.T) {
	opts := catalog.Options{"kind": "auction", "count": "3000", "max_out_of_order": "1s", "seed": "42"}
	want := rowsOf(t, open(t, auctionSchema, opts, nil))

	src := open(t, auctionSchema, opts, nil)
	b := coldata.NewBatch(src.Schema(), 0)
	require.NoError(t, src.Read(context.Background(), b))
	var got []string
	for i := 0; i < b.Len; i++ {
		got = append(got, render(b, i))
	}
	var snap bytes.Buffer
	require.NoError(t, src.Snapshot(&snap))

	s2, err := New(&catalog.Source{Name: "gen", Schema: auctionSchema, Options: opts})
	require.NoError(t, err)
	require.NoError(t, s2.(operators.Checkpointer).Restore(bytes.NewReader(snap.Bytes())))
	require.NoError(t, s2.Open(&operators.Context{}))
	got = append(got, rowsOf(t, s2.(*Source))...)
	require.Equal(t, want, got)
}

func TestNexmarkOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opts catalog.Options
		want string
	}{
		{catalog.Options{"kind": "bids"}, `source "gen": option kind must be one of llm_metrics, llm_feedback, system_health, bid, auction, person, got "bids"`},
		{catalog.Options{"kind": "bid", "count": "-1"}, `source "gen": option count must be an integer ≥ 0, got "-1"`},
		{catalog.Options{"kind": "auction", "rate": "-5"}, "option rate"},
		{catalog.Options{"kind": "person", "seed": "1.5"}, "option seed"},
		{catalog.Options{"kind": "bid", "event_interval": "often"}, "option event_interval"},
		{catalog.Options{"kind": "bid", "start_time": "2026-13-01"}, "option start_time"},
	} {
		_, err := New(&catalog.Source{Name: "gen", Schema: bidSchema, Options: tc.opts})
		require.ErrorContains(t, err, tc.want)
	}
}
