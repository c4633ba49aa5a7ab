package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/weirdb/weir/runtime"
)

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\033[K"

// console is the stdout and stderr of `weir run`, with a transient status
// line (the progress line) at the bottom of stderr when stderr is a
// terminal. Everything written through Out and Err passes under one lock:
// the status line is erased first and drawn again after, once the cursor is
// at the start of a line, so it is never glued to a result row or a message
// and never left in the scrollback. Rows on stdout erase it only when stdout
// is the same terminal (when stdout is a file or a pipe, they cannot touch
// the status line).
type console struct {
	mu       sync.Mutex
	out, err io.Writer
	live     bool   // the status line is in use (stderr is a terminal)
	outTTY   bool   // stdout is a terminal too
	status   string // the status line's text; "" none
	shown    bool   // the status line is on the screen
	midLine  bool   // the last write through Out or Err did not end a line
}

// newConsole returns a console over out and err; statusLine says that err
// is a terminal (the status line is shown), outTTY that out is one as well.
func newConsole(out, err io.Writer, statusLine, outTTY bool) *console {
	return &console{out: out, err: err, live: statusLine, outTTY: outTTY}
}

// Out returns the console's stdout.
func (c *console) Out() io.Writer { return consoleWriter{c, false} }

// Err returns the console's stderr.
func (c *console) Err() io.Writer { return consoleWriter{c, true} }

type consoleWriter struct {
	c      *console
	stderr bool
}

// Write writes p with the status line erased around it.
func (w consoleWriter) Write(p []byte) (int, error) {
	c := w.c
	c.mu.Lock()
	defer c.mu.Unlock()
	dst := c.out
	if w.stderr {
		dst = c.err
	}
	if !w.stderr && !c.outTTY {
		return dst.Write(p) // a file or a pipe: the screen is not involved
	}
	c.hideLocked()
	n, err := dst.Write(p)
	if len(p) > 0 {
		c.midLine = p[len(p)-1] != '\n'
	}
	c.drawLocked()
	return n, err
}

// SetStatus replaces the status line's text.
func (c *console) SetStatus(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live {
		return
	}
	c.status = s
	c.drawLocked()
}

// Stop erases the status line for good.
func (c *console) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hideLocked()
	c.live, c.status = false, ""
}

// hideLocked erases the status line if it is shown.
func (c *console) hideLocked() {
	if c.shown {
		io.WriteString(c.err, clearLine)
		c.shown = false
	}
}

// drawLocked shows the status line, unless the cursor is in the middle of
// a line (written without its newline yet) that it would be glued to.
func (c *console) drawLocked() {
	if !c.live || c.status == "" || c.midLine {
		return
	}
	io.WriteString(c.err, clearLine+c.status)
	c.shown = true
}

// startProgress runs once a second: it shows the progress line (events
// read, rows out, watermark) as the console's status line when stderr is a
// terminal, and always writes a line when a source's watermark has been held
// back by one partition for long (runtime.HeldBackReporter). The returned
// function stops it and erases the status line.
func startProgress(con *console, qs []*runtime.Query) func() {
	held := runtime.NewHeldBackReporter(runtime.DefaultHeldBackAfter)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				var note strings.Builder
				if held.Report(&note, now, qs) > 0 {
					io.WriteString(con.Err(), note.String())
				}
				con.SetStatus(progressLine(qs))
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		con.Stop()
	}
}

// progressLine is the status line's text: events read and rows out of
// every query, and the lowest watermark.
func progressLine(qs []*runtime.Query) string {
	var events, rows int64
	for _, q := range qs {
		events += q.Counters.EventsIn.Load()
		rows += q.Counters.RowsOut.Load()
	}
	return fmt.Sprintf("events read: %d  rows out: %d  watermark: %s", events, rows, runtime.WatermarkSummary(qs))
}
