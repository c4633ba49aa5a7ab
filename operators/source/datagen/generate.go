package datagen

import (
	"math"
	"strconv"

	"github.com/weirdb/weir/coldata"
)

// pickModel picks a model by weight.
func (s *Source) pickModel() *model {
	x := s.rng.IntN(100)
	for i := range models {
		if x < models[i].weight {
			return &models[i]
		}
		x -= models[i].weight
	}
	return &models[len(models)-1]
}

// llmMetrics fills row i of an llm_metrics batch: per-model log-normal
// latency, exponential token counts, cost = tokens × price, and about 3% of
// events with an error (timeouts are slow).
func (s *Source) llmMetrics(b *coldata.Batch, i int) {
	m := s.pickModel()
	tokens := 20 + int64(s.rng.ExpFloat64()*600)
	latency := m.latencyMs*math.Exp(0.35*s.rng.NormFloat64()) + float64(tokens)*0.4
	var errv string
	if s.rng.IntN(1000) < 30 {
		errv = errorKinds[s.rng.IntN(len(errorKinds))]
		if errv == "timeout" {
			latency = 30000 + s.rng.Float64()*5000
		}
	}
	latency = math.Round(latency*100) / 100
	cost := math.Round(float64(tokens)/1000*m.usdPer1kTok*1e6) / 1e6
	if c := s.colOf[mModel]; c >= 0 {
		b.Cols[c].Str[i] = m.name
	}
	if c := s.colOf[mLatency]; c >= 0 {
		b.Cols[c].F64[i] = latency
	}
	if c := s.colOf[mCost]; c >= 0 {
		b.Cols[c].F64[i] = cost
	}
	if c := s.colOf[mTokens]; c >= 0 {
		b.Cols[c].I64[i] = tokens
	}
	if c := s.colOf[mError]; c >= 0 {
		if errv == "" {
			b.Cols[c].Str[i] = ""
			b.Cols[c].Nulls.Set(i)
		} else {
			b.Cols[c].Str[i] = errv
		}
	}
}

// systemHealth fills row i of a system_health batch: per-service CPU,
// memory and error-rate levels with noise; severity is critical for about
// 0.5% of events (with a spike), warning when CPU > 85% or the error rate
// exceeds 5%, info otherwise.
func (s *Source) systemHealth(b *coldata.Batch, i int) {
	host := s.rng.IntN(len(hostNames))
	svc := &services[s.rng.IntN(len(services))]
	cpu := clamp(svc.cpu+12*s.rng.NormFloat64(), 0, 100)
	mem := clamp(svc.memory+8*s.rng.NormFloat64(), 0, 100)
	errRate := svc.errRate * s.rng.ExpFloat64()
	severity := "info"
	switch {
	case s.rng.IntN(1000) < 5:
		severity = "critical"
		cpu = 95 + 5*s.rng.Float64()
		errRate = 0.2 + 0.3*s.rng.Float64()
	case cpu > 85 || errRate > 0.05:
		severity = "warning"
	}
	if c := s.colOf[shHost]; c >= 0 {
		b.Cols[c].Str[i] = hostNames[host]
	}
	if c := s.colOf[shService]; c >= 0 {
		b.Cols[c].Str[i] = svc.name
	}
	if c := s.colOf[shCPU]; c >= 0 {
		b.Cols[c].F64[i] = math.Round(cpu*10) / 10
	}
	if c := s.colOf[shMemory]; c >= 0 {
		b.Cols[c].F64[i] = math.Round(mem*10) / 10
	}
	if c := s.colOf[shErrorRate]; c >= 0 {
		b.Cols[c].F64[i] = math.Round(errRate*1e4) / 1e4
	}
	if c := s.colOf[shSeverity]; c >= 0 {
		b.Cols[c].Str[i] = severity
	}
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

var hostNames = func() []string {
	out := make([]string, 12)
	for i := range out {
		out[i] = "host-" + strconv.Itoa(i+1)
		if i < 9 {
			out[i] = "host-0" + strconv.Itoa(i+1)
		}
	}
	return out
}()
