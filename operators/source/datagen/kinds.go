package datagen

import "github.com/weirdb/weir/catalog"

// field is one generated field of a kind.
type field struct {
	name string
	typ  catalog.Type
}

// Field indexes of each kind; the order matches kindFields.
const (
	fTs = 0 // every kind's event time is field 0

	mModel, mLatency, mCost, mTokens, mError = 1, 2, 3, 4, 5

	fbUser, fbSession, fbModel, fbRating, fbThumbs, fbComment = 1, 2, 3, 4, 5, 6

	shHost, shService, shCPU, shMemory, shErrorRate, shSeverity = 1, 2, 3, 4, 5, 6
)

// kindFields lists the fields each kind generates.
var kindFields = map[string][]field{
	"llm_metrics": {
		{"ts", catalog.Timestamp}, {"model", catalog.Varchar}, {"latency_ms", catalog.Double},
		{"cost", catalog.Double}, {"tokens", catalog.Bigint}, {"error", catalog.Varchar},
	},
	"llm_feedback": {
		{"ts", catalog.Timestamp}, {"user_id", catalog.Varchar}, {"session_id", catalog.Varchar},
		{"model", catalog.Varchar}, {"rating", catalog.Bigint}, {"thumbs_up", catalog.Boolean},
		{"comment", catalog.Varchar},
	},
	"system_health": {
		{"ts", catalog.Timestamp}, {"host", catalog.Varchar}, {"service", catalog.Varchar},
		{"cpu", catalog.Double}, {"memory", catalog.Double}, {"error_rate", catalog.Double},
		{"severity", catalog.Varchar},
	},
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
