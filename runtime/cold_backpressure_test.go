package runtime

import (
	"context"
	"testing"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// A view's archive queue at its bound makes the view's query wait
// (waitRoom) until a flush takes the rows — here signalled by hand, as
// flushView does after a successful archive — or the query's context ends;
// below the bound it does not wait.
func TestColdQueueBackPressure(t *testing.T) {
	schema := catalog.Schema{{Name: "window_end", Type: catalog.Timestamp}}
	tier := &coldTier{queueMax: 2, wake: make(chan struct{}, 1)}
	vc := &viewCold{tier: tier, pending: coldata.NewBatch(schema, 0), room: make(chan struct{}, 1)}
	mv := &matView{cold: vc}
	setPending := func(n int) {
		mv.mu.Lock()
		vc.pending.Len = n
		mv.mu.Unlock()
	}

	setPending(1)
	vc.waitRoom(context.Background(), mv) // below the bound: returns at once

	setPending(2)
	done := make(chan struct{})
	go func() {
		vc.waitRoom(context.Background(), mv)
		close(done)
	}()
	// It wakes the archiver before it waits.
	select {
	case <-tier.wake:
	case <-time.After(10 * time.Second):
		t.Fatal("waitRoom did not wake the archiver")
	}
	select {
	case <-done:
		t.Fatal("waitRoom returned with a full queue")
	default:
	}
	setPending(0)
	vc.room <- struct{}{}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("waitRoom did not return after the flush")
	}

	// Rows a flush has taken but not yet archived (PostgreSQL slow or
	// hanging) still count against the bound.
	mv.mu.Lock()
	vc.pending.Len, vc.inflight = 0, 2
	mv.mu.Unlock()
	done = make(chan struct{})
	go func() {
		vc.waitRoom(context.Background(), mv)
		close(done)
	}()
	<-tier.wake
	select {
	case <-done:
		t.Fatal("waitRoom returned with the bound's rows in flight")
	default:
	}
	mv.mu.Lock()
	vc.inflight = 0
	mv.mu.Unlock()
	vc.room <- struct{}{}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("waitRoom did not return after the flush archived its rows")
	}

	// A cancelled query stops waiting.
	setPending(5)
	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() {
		vc.waitRoom(ctx, mv)
		close(done)
	}()
	<-tier.wake
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("waitRoom did not return after cancel")
	}
}
