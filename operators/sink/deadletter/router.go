package deadletter

import (
	"strings"
	"sync"

	"github.com/weirdb/weir/operators"
)

// Router sends each dead letter to its source's destination (set with
// Route), or to the fallback (typically a Logger) for sources without one.
// Source names match case-insensitively. Safe for concurrent use.
type Router struct {
	mu       sync.RWMutex
	routes   map[string]operators.DeadLetterSink
	fallback operators.DeadLetterSink
}

var _ operators.DeadLetterSink = (*Router)(nil)

// NewRouter returns a router with the given fallback (may be nil: dead
// letters of unrouted sources are then only counted by their producers).
func NewRouter(fallback operators.DeadLetterSink) *Router {
	return &Router{routes: map[string]operators.DeadLetterSink{}, fallback: fallback}
}

// Route sends the dead letters of source to dst (nil removes the route).
func (r *Router) Route(source string, dst operators.DeadLetterSink) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if dst == nil {
		delete(r.routes, strings.ToLower(source))
		return
	}
	r.routes[strings.ToLower(source)] = dst
}

// DeadLetter forwards d.
func (r *Router) DeadLetter(d *operators.DeadLetter) {
	r.mu.RLock()
	dst, ok := r.routes[strings.ToLower(d.Source)]
	r.mu.RUnlock()
	if !ok {
		dst = r.fallback
	}
	if dst != nil {
		dst.DeadLetter(d)
	}
}
