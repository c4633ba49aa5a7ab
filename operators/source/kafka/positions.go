package kafka

import (
	"context"
	"errors"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// commitTimeout bounds one group commit; commits only serve monitoring.
const commitTimeout = 5 * time.Second

// PositionCommits says when a source with group_id commits its read
// positions (the offset after the last record Read returned, per
// partition) to the group, besides the checkpointed offsets the runtime
// commits with CommitSnapshot when a checkpoint completes. A query that
// takes no checkpoints uses it so that lag dashboards still see it.
type PositionCommits struct {
	// Periodic commits the read positions every commit_interval (the
	// source's option, DefaultCommitInterval when absent) of wall-clock time
	// from the first Read until Close, on a goroutine of its own: a slow
	// broker never holds up Read.
	Periodic bool
	// AtEnd commits them once a bounded source has read every partition to
	// its end (at Close).
	AtEnd bool
	// AtClose commits them at Close whatever the reason (end of input,
	// cancellation, an error).
	AtClose bool
	// OnError is told about failed commits, at most once per
	// commitErrorEvery but for the commit at Close; they never stop the
	// source. It may be called from the source's commit goroutines.
	OnError func(error)
}

// SetPositionCommits configures commits of read positions; it must come
// before the first Read. Without group_id nothing is committed.
func (s *Source) SetPositionCommits(pc PositionCommits) {
	s.commits = pc
}

// CommitPositions commits the current read positions to the group_id
// group (nothing without group_id or before Open).
func (s *Source) CommitPositions(ctx context.Context) error {
	return s.commit(ctx, s.positions(), nil)
}

// positions returns the current read positions (nil before Open).
func (s *Source) positions() map[int32]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next == nil {
		return nil
	}
	offs := make(map[int32]int64, len(s.parts))
	for i, p := range s.parts {
		offs[p] = s.next[i]
	}
	return offs
}

// startPositionCommits starts the goroutine of periodic commits, if they
// are configured; called by start, under s.mu. ctx is cancelled by Close,
// which then waits for the goroutine (s.wg) before its own last commit.
func (s *Source) startPositionCommits(ctx context.Context) {
	if !s.commits.Periodic || s.opts.GroupID == "" {
		return
	}
	every := s.opts.CommitInterval
	if every <= 0 {
		every = DefaultCommitInterval
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// One connection for every periodic commit, not one per commit.
		transport := &kafkago.Transport{ClientID: "weir", DialTimeout: dialTimeout}
		defer transport.CloseIdleConnections()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			cctx, cancel := context.WithTimeout(ctx, commitTimeout)
			err := s.commit(cctx, s.positions(), transport)
			cancel()
			if err != nil && ctx.Err() == nil {
				s.reportCommitError(err)
			}
		}
	}()
}

// reachedEOF records that Read returned io.EOF.
func (s *Source) reachedEOF() {
	s.mu.Lock()
	s.atEOF = true
	s.mu.Unlock()
}

// commitPositionsAtClose makes Close's commit, if one is configured, after
// stopping the committer of CommitSnapshot: a commit of read positions at
// close supersedes checkpointed offsets not yet sent; without one, the
// committer sends them before it stops.
func (s *Source) commitPositionsAtClose() {
	s.mu.Lock()
	atEOF := s.atEOF
	s.mu.Unlock()
	atClose := s.commits.AtClose || (s.commits.AtEnd && atEOF)
	s.committer.close(!atClose)
	if atClose {
		ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
		defer cancel()
		if err := s.CommitPositions(ctx); err != nil && s.commits.OnError != nil && !errors.Is(err, context.Canceled) {
			s.commits.OnError(err)
		}
	}
}
