package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// commitErrorEvery bounds how often a source reports failed group commits:
// the first failure at once, then at most one report per interval, which
// counts the failures left unreported since.
const commitErrorEvery = time.Minute

// snapshotCommitter makes the group commits of checkpointed offsets
// (CommitSnapshot) on a goroutine of its own, so that the query's
// goroutine never waits on a broker for a commit that only serves
// monitoring. The latest offsets win: offsets handed over while a commit is
// in flight replace any not yet sent. Its connection is reused from one
// commit to the next.
type snapshotCommitter struct {
	s       *Source
	mu      sync.Mutex
	pending map[int32]int64 // the latest offsets not yet sent; nil: none
	busy    bool            // a commit is in flight (or being reported)
	started bool
	stopped bool
	wake    chan struct{} // capacity 1
	flush   bool          // set at stop: send pending before exiting
	cancel  context.CancelFunc
	stop    chan struct{}
	done    chan struct{}
}

// submit hands offs over for committing, starting the goroutine on first
// use. It never blocks on the network. After stop it does nothing.
func (c *snapshotCommitter) submit(offs map[int32]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.pending = offs
	if !c.started {
		c.started = true
		c.wake = make(chan struct{}, 1)
		c.stop = make(chan struct{})
		c.done = make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		c.cancel = cancel
		go c.run(ctx)
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// take returns the pending offsets and clears them.
func (c *snapshotCommitter) take() map[int32]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	offs := c.pending
	c.pending = nil
	c.busy = offs != nil
	return offs
}

func (c *snapshotCommitter) run(ctx context.Context) {
	defer close(c.done)
	transport := &kafkago.Transport{ClientID: "weir", DialTimeout: dialTimeout}
	defer transport.CloseIdleConnections()
	commit := func(ctx context.Context) {
		offs := c.take()
		if offs == nil {
			return
		}
		cctx, cancel := context.WithTimeout(ctx, commitTimeout)
		err := c.s.commit(cctx, offs, transport)
		cancel()
		if err != nil && ctx.Err() == nil {
			c.s.reportCommitError(err)
		}
		c.mu.Lock()
		c.busy = false
		c.mu.Unlock()
	}
	for {
		select {
		case <-c.wake:
			commit(ctx)
		case <-c.stop:
			c.mu.Lock()
			flush := c.flush
			c.mu.Unlock()
			if flush {
				commit(context.Background())
			}
			return
		case <-ctx.Done():
			return
		}
	}
}

// close stops the goroutine and waits for it. With flush, offsets not yet
// sent are committed first (bounded by commitTimeout) and a commit in
// flight finishes; without, a commit in flight is abandoned (Close makes a
// later commit that supersedes it).
func (c *snapshotCommitter) close(flush bool) {
	c.mu.Lock()
	if c.stopped || !c.started {
		c.stopped = true
		c.mu.Unlock()
		return
	}
	c.stopped = true
	c.flush = flush
	c.mu.Unlock()
	if !flush {
		c.cancel()
	}
	close(c.stop)
	<-c.done
	c.cancel()
}

// commitErrors rate-limits the reports of failed group commits.
type commitErrors struct {
	mu         sync.Mutex
	last       time.Time // last report
	suppressed int       // failures not reported since
	unreported error     // without OnError: the report CommitSnapshot returns next
}

// reportCommitError reports a failed group commit through
// PositionCommits.OnError, or without one through the next CommitSnapshot's
// result, at most once per commitErrorEvery.
func (s *Source) reportCommitError(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	e := &s.commitErrs
	e.mu.Lock()
	now := time.Now()
	if !e.last.IsZero() && now.Sub(e.last) < commitErrorEvery {
		e.suppressed++
		e.mu.Unlock()
		return
	}
	if e.suppressed > 0 {
		err = fmt.Errorf("%w (and %s since the last report)", err, countFailures(e.suppressed))
	}
	e.last, e.suppressed = now, 0
	onError := s.commits.OnError
	if onError == nil {
		e.unreported = err
	}
	e.mu.Unlock()
	if onError != nil {
		onError(err)
	}
}

// takeCommitError returns the failure of an earlier background commit not
// yet reported (when no OnError is set), and forgets it.
func (s *Source) takeCommitError() error {
	s.commitErrs.mu.Lock()
	defer s.commitErrs.mu.Unlock()
	err := s.commitErrs.unreported
	s.commitErrs.unreported = nil
	return err
}

// countFailures says "1 more failure", "3 more failures".
func countFailures(n int) string {
	if n == 1 {
		return "1 more failure"
	}
	return fmt.Sprintf("%d more failures", n)
}
