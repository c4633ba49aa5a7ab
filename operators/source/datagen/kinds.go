package datagen

import "github.com/weirdb/weir/catalog"

// field is one generated field of a kind.
type field struct {
	name string
	typ  catalog.Type
}

// kindSpec describes one kind: its fields, which of them is the event time,
// and where the kind's events sit in the event sequence that numbers event
// times. The kind's event n (0-based) is event
// n/share·period + offset + n%share of that sequence: for the kinds of their
// own (period 1, share 1) simply n; for the Nexmark kinds the sequence is
// Nexmark's, which the three kinds share (nexmark.go).
type kindSpec struct {
	fields                []field
	ts                    int // index of the event-time field
	period, offset, share int64
}

// pos returns the position in the event sequence of the kind's event n.
func (k *kindSpec) pos(n int64) int64 {
	return n/k.share*k.period + k.offset + n%k.share
}

// countBefore returns how many of the kind's events sit at positions below
// p ≥ 0 of the event sequence.
func (k *kindSpec) countBefore(p int64) int64 {
	return p/k.period*k.share + min(max(p%k.period-k.offset, 0), k.share)
}

// Field indexes of each kind; the order matches kinds' fields.
const (
	mModel, mLatency, mCost, mTokens, mError = 1, 2, 3, 4, 5

	fbUser, fbSession, fbModel, fbRating, fbThumbs, fbComment = 1, 2, 3, 4, 5, 6

	shHost, shService, shCPU, shMemory, shErrorRate, shSeverity = 1, 2, 3, 4, 5, 6

	pID, pName, pEmail, pCard, pCity, pState, pDateTime, pExtra = 0, 1, 2, 3, 4, 5, 6, 7

	aID, aItem, aDesc, aInitialBid, aReserve, aDateTime, aExpires, aSeller, aCategory, aExtra = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9

	bAuction, bBidder, bPrice, bChannel, bURL, bDateTime, bExtra = 0, 1, 2, 3, 4, 5, 6
)

// kindNames lists the kinds in the order errors name them.
var kindNames = []string{"llm_metrics", "llm_feedback", "system_health", "bid", "auction", "person"}

// kinds describes each kind.
var kinds = map[string]*kindSpec{
	"llm_metrics": {fields: []field{
		{"ts", catalog.Timestamp}, {"model", catalog.Varchar}, {"latency_ms", catalog.Double},
		{"cost", catalog.Double}, {"tokens", catalog.Bigint}, {"error", catalog.Varchar},
	}, ts: 0, period: 1, share: 1},
	"llm_feedback": {fields: []field{
		{"ts", catalog.Timestamp}, {"user_id", catalog.Varchar}, {"session_id", catalog.Varchar},
		{"model", catalog.Varchar}, {"rating", catalog.Bigint}, {"thumbs_up", catalog.Boolean},
		{"comment", catalog.Varchar},
	}, ts: 0, period: 1, share: 1},
	"system_health": {fields: []field{
		{"ts", catalog.Timestamp}, {"host", catalog.Varchar}, {"service", catalog.Varchar},
		{"cpu", catalog.Double}, {"memory", catalog.Double}, {"error_rate", catalog.Double},
		{"severity", catalog.Varchar},
	}, ts: 0, period: 1, share: 1},
	"person": {fields: []field{
		{"id", catalog.Bigint}, {"name", catalog.Varchar}, {"email_address", catalog.Varchar},
		{"credit_card", catalog.Varchar}, {"city", catalog.Varchar}, {"state", catalog.Varchar},
		{"date_time", catalog.Timestamp}, {"extra", catalog.Varchar},
	}, ts: pDateTime, period: nxTotal, offset: 0, share: nxPersons},
	"auction": {fields: []field{
		{"id", catalog.Bigint}, {"item_name", catalog.Varchar}, {"description", catalog.Varchar},
		{"initial_bid", catalog.Bigint}, {"reserve", catalog.Bigint}, {"date_time", catalog.Timestamp},
		{"expires", catalog.Timestamp}, {"seller", catalog.Bigint}, {"category", catalog.Bigint},
		{"extra", catalog.Varchar},
	}, ts: aDateTime, period: nxTotal, offset: nxPersons, share: nxAuctions},
	"bid": {fields: []field{
		{"auction", catalog.Bigint}, {"bidder", catalog.Bigint}, {"price", catalog.Bigint},
		{"channel", catalog.Varchar}, {"url", catalog.Varchar}, {"date_time", catalog.Timestamp},
		{"extra", catalog.Varchar},
	}, ts: bDateTime, period: nxTotal, offset: nxPersons + nxAuctions, share: nxBids},
}

// model is one LLM of llm_metrics with its own latency and price.
type model struct {
	name        string
	weight      int     // relative frequency, percent
	latencyMs   float64 // median latency
	usdPer1kTok float64
}

var models = []model{
	{"gpt-4o", 35, 800, 0.010},
	{"claude-3-5-sonnet", 30, 950, 0.015},
	{"llama-3-70b", 20, 420, 0.0009},
	{"gpt-4o-mini", 15, 350, 0.0006},
}

// errorKinds are llm_metrics error values; about 3% of events carry one.
var errorKinds = []string{"timeout", "rate_limited", "timeout", "server_error", "rate_limited"}

var comments = []string{
	"great answer", "too slow", "wrong facts", "helpful", "did not follow instructions",
	"perfect", "hallucinated a citation", "too verbose",
}

var services = []struct {
	name    string
	cpu     float64 // mean CPU percent
	memory  float64 // mean memory percent
	errRate float64 // mean error rate
}{
	{"api", 45, 60, 0.010},
	{"worker", 70, 55, 0.005},
	{"db", 55, 80, 0.002},
	{"cache", 25, 70, 0.001},
	{"gateway", 35, 40, 0.020},
}
