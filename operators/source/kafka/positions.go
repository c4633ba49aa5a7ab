package kafka

import (
	"context"
	"time"
)

// commitTimeout bounds one group commit; commits only serve monitoring.
const commitTimeout = 5 * time.Second

// PositionCommits says when a source with group_id commits its read
// positions (the offset after the last record Read returned, per
// partition) to the group, besides the checkpointed offsets the runtime
// commits with CommitSnapshot. A query that takes no checkpoints uses it so
// that lag dashboards still see it.
type PositionCommits struct {
	// Every commits the read positions this often (wall clock), from Read;
	// 0 never does.
	Every time.Duration
	// AtEnd commits them once a bounded source has read every partition to
	// its end (at Close).
	AtEnd bool
	// AtClose commits them at Close whatever the reason (end of input,
	// cancellation, an error).
	AtClose bool
	// OnError is told about failed commits; they never stop the source.
	OnError func(error)
}

// positionCommits is the state of a source's PositionCommits.
type positionCommits struct {
	PositionCommits
	last time.Time // when Read last committed (or started)
}

// SetPositionCommits configures commits of read positions; it must come
// before the first Read. Without group_id nothing is committed.
func (s *Source) SetPositionCommits(pc PositionCommits) {
	s.commits = positionCommits{PositionCommits: pc}
}

// CommitPositions commits the current read positions to the group_id
// group (nothing without group_id or before Open).
func (s *Source) CommitPositions(ctx context.Context) error {
	s.mu.Lock()
	var offs map[int32]int64
	if s.next != nil {
		offs = make(map[int32]int64, len(s.parts))
		for i, p := range s.parts {
			offs[p] = s.next[i]
		}
	}
	s.mu.Unlock()
	return s.commit(ctx, offs)
}

// maybeCommitPositions commits the read positions when Every has passed
// since the last commit; called by Read.
func (s *Source) maybeCommitPositions(now time.Time) {
	c := &s.commits
	if c.Every <= 0 || s.opts.GroupID == "" {
		return
	}
	if c.last.IsZero() {
		c.last = now
		return
	}
	if now.Sub(c.last) < c.Every {
		return
	}
	c.last = now
	s.commitPositionsReporting(context.Background())
}

// reachedEOF records that Read returned io.EOF.
func (s *Source) reachedEOF() {
	s.mu.Lock()
	s.atEOF = true
	s.mu.Unlock()
}

// commitPositionsAtClose makes Close's commit, if one is configured.
func (s *Source) commitPositionsAtClose() {
	s.mu.Lock()
	atEOF := s.atEOF
	s.mu.Unlock()
	if s.commits.AtClose || (s.commits.AtEnd && atEOF) {
		s.commitPositionsReporting(context.Background())
	}
}

func (s *Source) commitPositionsReporting(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	if err := s.CommitPositions(ctx); err != nil && s.commits.OnError != nil {
		s.commits.OnError(err)
	}
}
