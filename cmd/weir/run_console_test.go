package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// screen emulates what a terminal shows for the bytes written to it: text
// overwrites at the cursor, '\n' starts the next line, '\r' returns to the
// line's start, ESC [ K erases from the cursor to the end of the line.
type screen struct {
	lines []string
	col   int
}

func (s *screen) Write(p []byte) (int, error) {
	if len(s.lines) == 0 {
		s.lines = []string{""}
	}
	for i := 0; i < len(p); i++ {
		last := len(s.lines) - 1
		switch {
		case p[i] == '\n':
			s.lines = append(s.lines, "")
			s.col = 0
		case p[i] == '\r':
			s.col = 0
		case bytes.HasPrefix(p[i:], []byte("\033[K")):
			s.lines[last] = s.lines[last][:s.col]
			i += 2
		default:
			line := s.lines[last]
			if s.col < len(line) {
				line = line[:s.col] + string(p[i]) + line[s.col+1:]
			} else {
				line += string(p[i])
			}
			s.lines[last] = line
			s.col++
		}
	}
	return len(p), nil
}

// show is the screen as text, the cursor's line last.
func (s *screen) show() string { return strings.Join(s.lines, "\n") }

// TestConsoleStatusLine: with stdout and stderr on one terminal, the status
// line is always alone on the last line: result rows and messages written
// while it is shown replace it and it comes back below them, and it is
// gone once stopped — never glued to a row, never left in the scrollback.
func TestConsoleStatusLine(t *testing.T) {
	var term screen
	con := newConsole(&term, &term, true, true)
	out, errw := con.Out(), con.Err()

	con.SetStatus("events read: 1000  rows out: 0")
	require.Equal(t, "events read: 1000  rows out: 0", term.show())

	io.WriteString(out, " window_start | n\n--------------+---\n 10:00        | 2\n")
	require.Equal(t, " window_start | n\n--------------+---\n 10:00        | 2\nevents read: 1000  rows out: 0", term.show())

	con.SetStatus("events read: 2000  rows out: 1")
	io.WriteString(errw, "weir: source s: held back\n")
	io.WriteString(out, " 10:01        | 3\n")
	require.Equal(t, " window_start | n\n--------------+---\n 10:00        | 2\nweir: source s: held back\n 10:01        | 3\nevents read: 2000  rows out: 1", term.show())

	// A shorter status replaces a longer one entirely.
	con.SetStatus("events read: 3")
	require.True(t, strings.HasSuffix(term.show(), "\n 10:01        | 3\nevents read: 3"), term.show())

	con.Stop()
	io.WriteString(errw, "weir run: done\n")
	require.Equal(t, " window_start | n\n--------------+---\n 10:00        | 2\nweir: source s: held back\n 10:01        | 3\nweir run: done\n", term.show())
	con.SetStatus("events read: 4") // after Stop: not shown
	require.True(t, strings.HasSuffix(term.show(), "weir run: done\n"))
}

// TestConsolePartialLine: the status line is not drawn after a line written
// without its newline yet (it would be glued to it); it comes back once the
// line ends.
func TestConsolePartialLine(t *testing.T) {
	var term screen
	con := newConsole(&term, &term, true, true)
	con.SetStatus("progress")
	io.WriteString(con.Err(), "partial")
	con.SetStatus("progress 2")
	require.Equal(t, "partial", term.show())
	io.WriteString(con.Out(), " and the rest\n")
	require.Equal(t, "partial and the rest\nprogress 2", term.show())
}

// TestConsolePipedStdout: when stdout is not the terminal, rows go to it
// untouched and do not touch the status line on stderr; stderr messages
// still replace it.
func TestConsolePipedStdout(t *testing.T) {
	var term screen
	var raw, pipe bytes.Buffer
	con := newConsole(&pipe, io.MultiWriter(&raw, &term), true, false)
	con.SetStatus("progress")
	require.Equal(t, "\r\033[Kprogress", raw.String())
	io.WriteString(con.Out(), `{"n":1}`+"\n")
	require.Equal(t, `{"n":1}`+"\n", pipe.String())
	require.Equal(t, "\r\033[Kprogress", raw.String(), "a row on the pipe leaves the terminal alone")
	io.WriteString(con.Err(), "warning\n")
	require.Equal(t, "warning\nprogress", term.show())
	con.Stop()
	require.Equal(t, "warning\n", term.show())
}

// TestConsoleNotATerminal: without a terminal the console passes writes
// through as they are and shows no status line.
func TestConsoleNotATerminal(t *testing.T) {
	var out, errw bytes.Buffer
	con := newConsole(&out, &errw, false, false)
	con.SetStatus("progress")
	io.WriteString(con.Out(), "row\n")
	io.WriteString(con.Err(), "message\n")
	con.Stop()
	require.Equal(t, "row\n", out.String())
	require.Equal(t, "message\n", errw.String())
}
