package datagen

import (
	"strconv"

	"github.com/weirdb/weir/coldata"
)

// llm_feedback users come back in bursts: event time is cut into epochs of
// epochMs, and user u is active in epoch e when a hash of (seed, u, e) says
// so (about activePct% of epochs). Each event picks an active user, so a
// user's events cluster in runs of active epochs; a run ends after
// gapEpochs inactive epochs (≥ 30 minutes of silence), so a SESSION window
// with a 30-minute gap splits there (and, rarely, also inside a run, when
// two inactive epochs leave a gap just over 30 minutes). session_id names
// the run: the user and the run's first epoch. All of it is a pure function of the
// seed and the event, so checkpoints need only the PRNG.
const (
	numUsers   = 200
	epochMs    = 10 * 60 * 1000
	activePct  = 25
	gapEpochs  = 3
	maxWalk    = 1000
	maxCachedS = 4096
)

var userNames = func() []string {
	out := make([]string, numUsers)
	for i := range out {
		out[i] = "user-" + strconv.Itoa(1000+i)
	}
	return out
}()

// feedbackState caches derived values (never needed for determinism).
type feedbackState struct {
	runEpoch []int64 // per user: an epoch known to be active...
	runStart []int64 // ...and the first epoch of its run
	names    map[uint64]string
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (s *Source) active(u int, e int64) bool {
	return splitmix(s.seed^uint64(u)*0x100000001b3^uint64(e)*0xc2b2ae3d27d4eb4f)%100 < activePct
}

// runStart returns the first epoch of the run of active epochs that holds
// epoch e for user u (e active).
func (s *Source) runStart(u int, e int64) int64 {
	st := &s.feedback
	if st.runEpoch == nil {
		st.runEpoch = make([]int64, numUsers)
		st.runStart = make([]int64, numUsers)
		for i := range st.runEpoch {
			st.runEpoch[i] = -1 << 62
		}
	}
	if st.runEpoch[u] == e {
		return st.runStart[u]
	}
	inactive := 0
	start := e
	for k := e - 1; k > e-maxWalk; k-- {
		if k == st.runEpoch[u] {
			start = st.runStart[u]
			break
		}
		if s.active(u, k) {
			inactive = 0
			start = k
			continue
		}
		inactive++
		if inactive >= gapEpochs {
			break
		}
	}
	st.runEpoch[u], st.runStart[u] = e, start
	return start
}

// sessionName returns the session_id of user u's run starting at epoch e,
// allocating only the first time.
func (s *Source) sessionName(u int, e int64) string {
	st := &s.feedback
	key := uint64(e)<<8 ^ uint64(u)
	if name, ok := st.names[key]; ok {
		return name
	}
	if st.names == nil || len(st.names) >= maxCachedS {
		st.names = make(map[uint64]string, 256)
	}
	name := userNames[u] + "-" + strconv.FormatInt(e, 36)
	st.names[key] = name
	return name
}

// llmFeedback fills row i of an llm_feedback batch at event time ts.
func (s *Source) llmFeedback(b *coldata.Batch, i int, ts int64) {
	e := floorDiv(ts, epochMs)
	u := s.rng.IntN(numUsers)
	for try := 0; try < 16 && !s.active(u, e); try++ {
		u = s.rng.IntN(numUsers)
	}
	m := s.pickModel()
	// Ratings skew positive; cheaper models rate a little lower.
	rating := int64(1 + s.rng.IntN(5))
	if s.rng.IntN(100) < 45 {
		rating = 4 + int64(s.rng.IntN(2))
	}
	if m.usdPer1kTok < 0.001 && rating > 1 && s.rng.IntN(4) == 0 {
		rating--
	}
	thumbs := rating >= 4
	if s.rng.IntN(20) == 0 {
		thumbs = !thumbs
	}
	comment := -1
	if s.rng.IntN(100) < 20 {
		comment = s.rng.IntN(len(comments))
	}
	if c := s.colOf[fbUser]; c >= 0 {
		b.Cols[c].Str[i] = userNames[u]
	}
	if c := s.colOf[fbSession]; c >= 0 {
		b.Cols[c].Str[i] = s.sessionName(u, s.runStart(u, e))
	}
	if c := s.colOf[fbModel]; c >= 0 {
		b.Cols[c].Str[i] = m.name
	}
	if c := s.colOf[fbRating]; c >= 0 {
		b.Cols[c].I64[i] = rating
	}
	if c := s.colOf[fbThumbs]; c >= 0 {
		b.Cols[c].Bool[i] = thumbs
	}
	if c := s.colOf[fbComment]; c >= 0 {
		if comment < 0 {
			b.Cols[c].Str[i] = ""
			b.Cols[c].Nulls.Set(i)
		} else {
			b.Cols[c].Str[i] = comments[comment]
		}
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
