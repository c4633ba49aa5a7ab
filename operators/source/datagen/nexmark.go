package datagen

import (
	"math"
	"math/rand/v2"

	"github.com/weirdb/weir/coldata"
)

// The Nexmark kinds (person, auction, bid) follow the generator of the
// Nexmark benchmark (Beam's and Flink's nexmark, RisingWave's nexmark-rs),
// in spirit rather than bit for bit. They are three views of one event
// sequence: of every 50 events, event 0 is a new person, events 1–3 new
// auctions and events 4–49 bids. A source of one kind generates only its own
// events but numbers them in that sequence, which fixes their ids and event
// times, so sources of different kinds with the same seed, start_time and
// event_interval describe one auction site:
//
//   - the n-th person (0-based) has id 1000 + n and the n-th auction id
//     1000 + n;
//   - an auction's seller, and a bid's bidder, is a person who has already
//     registered, or one of the next 10 to register; a bid's auction is one of
//     the last 100 auctions opened by then, or one of the next 10;
//   - hot ids: 3 in 4 auctions are sold by the first person of the latest
//     block of 100 people, 1 in 2 bids go to the first auction of the latest
//     block of 100 auctions, and 3 in 4 are made by the second person of the
//     latest block of 100 people;
//   - the event at position g of the sequence has event time
//     start_time + g·event_interval (less its max_out_of_order jitter), and an
//     auction expires within twice the time it takes to open 100 more.
//
// Every value of an event is a function of the seed and its position alone
// (a PRNG seeded with both), so it does not depend on which kind or columns
// are generated, nor on the jitter.
const (
	nxPersons, nxAuctions, nxBids = 1, 3, 46
	nxTotal                       = nxPersons + nxAuctions + nxBids

	firstPersonID   = 1000
	firstAuctionID  = 1000
	firstCategoryID = 10
	numCategories   = 5

	numActivePeople     = 1000 // random sellers and bidders are among the latest people
	numInFlightAuctions = 100  // random bids go to the latest auctions
	idLead              = 10   // ids of people and auctions yet to come that may be drawn

	hotSellersRatio  = 4   // 1 − 1/4 of auctions have a hot seller
	hotAuctionRatio  = 2   // 1 − 1/2 of bids are for a hot auction
	hotBiddersRatio  = 4   // 1 − 1/4 of bids are by a hot bidder
	hotBlock         = 100 // hot ids are the first (second: bidders) of the latest block
	hotChannelsRatio = 2   // 1 − 1/2 of bids come through a hot channel
	numChannels      = 10000

	// Average event sizes in bytes; extra pads an event to about this.
	avgPersonBytes, avgAuctionBytes, avgBidBytes = 200, 500, 100
)

// lastPerson returns the (0-based) number of the latest person at position g:
// the person of g itself when g is one.
func lastPerson(g int64) int64 {
	epoch, off := g/nxTotal, g%nxTotal
	return epoch*nxPersons + min(off, nxPersons-1)
}

// lastAuction returns the (0-based) number of the latest auction at position
// g: the auction of g itself when g is one; -1 before the first.
func lastAuction(g int64) int64 {
	epoch, off := g/nxTotal, g%nxTotal
	switch {
	case off < nxPersons:
		epoch, off = epoch-1, nxAuctions-1
	case off >= nxPersons+nxAuctions:
		off = nxAuctions - 1
	default:
		off -= nxPersons
	}
	return epoch*nxAuctions + off
}

// randomPerson draws a person among the latest numActivePeople at position
// g, or one of the next idLead.
func randomPerson(r *rand.Rand, g int64) int64 {
	n := lastPerson(g) + 1
	active := min(n, numActivePeople)
	return n - active + r.Int64N(active+idLead)
}

// randomAuction draws an auction among the latest numInFlightAuctions at
// position g (a bid's: at least one exists), or one of the next idLead.
func randomAuction(r *rand.Rand, g int64) int64 {
	hi := lastAuction(g)
	lo := max(hi-numInFlightAuctions, 0)
	return lo + r.Int64N(hi-lo+1+idLead)
}

// price draws a price in cents, log-uniform between $1 and $1,000,000.
func price(r *rand.Rand) int64 {
	return int64(math.Round(math.Pow(10, r.Float64()*6) * 100))
}

// eventRand returns the PRNG of the event at position g, seeded from the
// source's seed and g.
func (s *Source) eventRand(g int64) *rand.Rand {
	s.evPCG.Seed(splitmix(s.seed^uint64(g)*0x9e3779b97f4a7c15), splitmix(uint64(g)^0xd1b54a32d192ed03^s.seed<<1))
	return s.evRand
}

func (s *Source) putInt(b *coldata.Batch, f, i int, v int64) {
	if c := s.colOf[f]; c >= 0 {
		b.Cols[c].I64[i] = v
	}
}

func (s *Source) putStr(b *coldata.Batch, f, i int, v string) {
	if c := s.colOf[f]; c >= 0 {
		b.Cols[c].Str[i] = v
	}
}

// person fills row i of a person batch with the person at position g.
func (s *Source) person(b *coldata.Batch, i int, g int64) {
	t, r := s.nx, s.eventRand(g)
	name := t.names[r.IntN(len(t.names))]
	email := t.emails[r.IntN(len(t.emails))]
	card := t.cards[r.IntN(len(t.cards))]
	city := usCities[r.IntN(len(usCities))]
	state := usStates[r.IntN(len(usStates))]
	extra := t.extra(r, 8+len(name)+len(email)+len(card)+len(city)+len(state), avgPersonBytes)
	s.putInt(b, pID, i, firstPersonID+lastPerson(g))
	s.putStr(b, pName, i, name)
	s.putStr(b, pEmail, i, email)
	s.putStr(b, pCard, i, card)
	s.putStr(b, pCity, i, city)
	s.putStr(b, pState, i, state)
	s.putStr(b, pExtra, i, extra)
}

// auction fills row i of an auction batch with the auction at position g,
// whose event time before jitter is at (ms).
func (s *Source) auction(b *coldata.Batch, i int, g, at int64) {
	t, r := s.nx, s.eventRand(g)
	var seller int64
	if r.IntN(hotSellersRatio) > 0 {
		seller = lastPerson(g) / hotBlock * hotBlock
	} else {
		seller = randomPerson(r, g)
	}
	category := firstCategoryID + r.Int64N(numCategories)
	initial := price(r)
	reserve := initial + price(r)
	// An auction lasts on average as long as it takes to open
	// numInFlightAuctions more.
	horizon := int64(float64(numInFlightAuctions*nxTotal/nxAuctions) * s.intervalMs)
	expires := at + 1 + r.Int64N(max(2*horizon, 1))
	item := t.text(r, 3, 19)
	desc := t.text(r, 3, 99)
	extra := t.extra(r, 8+len(item)+len(desc)+5*8, avgAuctionBytes)
	s.putInt(b, aID, i, firstAuctionID+lastAuction(g))
	s.putStr(b, aItem, i, item)
	s.putStr(b, aDesc, i, desc)
	s.putInt(b, aInitialBid, i, initial)
	s.putInt(b, aReserve, i, reserve)
	s.putInt(b, aExpires, i, expires)
	s.putInt(b, aSeller, i, firstPersonID+seller)
	s.putInt(b, aCategory, i, category)
	s.putStr(b, aExtra, i, extra)
}

// bid fills row i of a bid batch with the bid at position g.
func (s *Source) bid(b *coldata.Batch, i int, g int64) {
	t, r := s.nx, s.eventRand(g)
	var auction, bidder int64
	if r.IntN(hotAuctionRatio) > 0 {
		auction = lastAuction(g) / hotBlock * hotBlock
	} else {
		auction = randomAuction(r, g)
	}
	if r.IntN(hotBiddersRatio) > 0 {
		// The second of the block, so that hot bidders are not hot sellers.
		bidder = lastPerson(g)/hotBlock*hotBlock + 1
	} else {
		bidder = randomPerson(r, g)
	}
	p := price(r)
	var channel, url string
	if r.IntN(hotChannelsRatio) > 0 {
		k := r.IntN(len(hotChannels))
		channel, url = hotChannels[k], t.hotURLs[k]
	} else {
		k := r.IntN(numChannels)
		channel, url = t.channels[k], t.urls[k]
	}
	extra := t.extra(r, 4*8, avgBidBytes)
	s.putInt(b, bAuction, i, firstAuctionID+auction)
	s.putInt(b, bBidder, i, firstPersonID+bidder)
	s.putInt(b, bPrice, i, p)
	s.putStr(b, bChannel, i, channel)
	s.putStr(b, bURL, i, url)
	s.putStr(b, bExtra, i, extra)
}
