package catalog

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Catalog is the set of declared sources, sinks and views. It is safe for
// concurrent use. Names are case-insensitive and share one namespace.
type Catalog struct {
	mu      sync.RWMutex
	sources map[string]*Source
	sinks   map[string]*Sink
	views   map[string]*View
}

// New returns an empty catalog.
func New() *Catalog {
	return &Catalog{
		sources: map[string]*Source{},
		sinks:   map[string]*Sink{},
		views:   map[string]*View{},
	}
}

func key(name string) string { return strings.ToLower(name) }

// existsLocked returns the kind of the object named name ("source",
// "sink", "view"), or "" when the name is free.
func (c *Catalog) existsLocked(name string) string {
	k := key(name)
	if _, ok := c.sources[k]; ok {
		return "source"
	}
	if _, ok := c.sinks[k]; ok {
		return "sink"
	}
	if _, ok := c.views[k]; ok {
		return "view"
	}
	return ""
}

// ErrExists is returned when a name is already taken. Its message is
// user-facing (the runtime reports it as SQLSTATE 42P07), so it carries no
// package prefix.
type ErrExists struct {
	Name string
	Kind string // the kind of the object holding the name: "source", "sink" or "view"
}

// Error reads `source "s" already exists`, naming the kind of the object
// that holds the name (names are shared by sources, sinks and views).
func (e *ErrExists) Error() string {
	kind := e.Kind
	if kind == "" {
		kind = "relation"
	}
	return fmt.Sprintf("%s %q already exists", kind, e.Name)
}

// AddSource declares a source.
func (c *Catalog) AddSource(s *Source) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if kind := c.existsLocked(s.Name); kind != "" {
		return &ErrExists{Name: s.Name, Kind: kind}
	}
	c.sources[key(s.Name)] = s
	return nil
}

// AddSink declares a sink.
func (c *Catalog) AddSink(s *Sink) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if kind := c.existsLocked(s.Name); kind != "" {
		return &ErrExists{Name: s.Name, Kind: kind}
	}
	c.sinks[key(s.Name)] = s
	return nil
}

// AddView declares a view.
func (c *Catalog) AddView(v *View) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if kind := c.existsLocked(v.Name); kind != "" {
		return &ErrExists{Name: v.Name, Kind: kind}
	}
	c.views[key(v.Name)] = v
	return nil
}

// Source returns the named source, or nil.
func (c *Catalog) Source(name string) *Source {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.sources[key(name)]
}

// Sink returns the named sink, or nil.
func (c *Catalog) Sink(name string) *Sink {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.sinks[key(name)]
}

// View returns the named view, or nil.
func (c *Catalog) View(name string) *View {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.views[key(name)]
}

// Drop removes the named object of any kind; it reports whether one existed.
func (c *Catalog) Drop(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := key(name)
	if c.existsLocked(name) == "" {
		return false
	}
	delete(c.sources, k)
	delete(c.sinks, k)
	delete(c.views, k)
	return true
}

// Sources lists the sources sorted by name.
func (c *Catalog) Sources() []*Source {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Source, 0, len(c.sources))
	for _, s := range c.sources {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Sinks lists the sinks sorted by name.
func (c *Catalog) Sinks() []*Sink {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Sink, 0, len(c.sinks))
	for _, s := range c.sinks {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Views lists the views sorted by name.
func (c *Catalog) Views() []*View {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*View, 0, len(c.views))
	for _, v := range c.views {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
