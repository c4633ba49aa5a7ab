package main

import (
	"bufio"
	"os"
	"strings"

	"github.com/weirdb/weir/sql"
)

// historyLimit is how many entries the REPL keeps; the file is cut back to
// it when it has grown past twice as many lines.
const historyLimit = 500

// historyFile is the REPL's line history on disk: one entry a line,
// appended as entries are made. A new file is created readable by its
// owner only (0600): entries can hold postgres://user:password@ URLs and
// other secrets. An existing file keeps its mode, as psql's does.
type historyFile struct {
	path string
	f    *os.File
}

// openHistory opens (creating it 0600) the history file at path and
// returns its last historyLimit entries, oldest first.
func openHistory(path string) (*historyFile, []string, error) {
	entries, err := readHistory(path)
	if err != nil {
		return nil, nil, err
	}
	if len(entries) > 2*historyLimit {
		entries = entries[len(entries)-historyLimit:]
		if err := rewriteHistory(path, entries); err != nil {
			return nil, nil, err
		}
	} else if len(entries) > historyLimit {
		entries = entries[len(entries)-historyLimit:]
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, err
	}
	return &historyFile{path: path, f: f}, entries, nil
}

// readHistory returns the non-blank lines of the file at path (none when
// it does not exist).
func readHistory(path string) ([]string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}

// rewriteHistory replaces the file at path with entries, keeping its mode.
func rewriteHistory(path string, entries []string) error {
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, e := range entries {
		w.WriteString(e)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// add appends one entry.
func (h *historyFile) add(entry string) {
	if h == nil {
		return
	}
	_, _ = h.f.WriteString(entry + "\n")
}

func (h *historyFile) close() {
	if h != nil {
		_ = h.f.Close()
	}
}

// historyEntry makes the lines of one statement (or a backslash command)
// one history entry, as psql does: the lines joined by a blank, each
// without its -- comment (which would swallow the lines joined after it).
func historyEntry(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		if i := topLevelIndex(b.String()+" ", l, "--"); i >= 0 {
			l = l[:i]
		}
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(l)
	}
	return b.String()
}

// topLevelIndex returns the index in line of the first occurrence of sub
// that is outside string literals, quoted identifiers and comments, given
// that line follows the text before; -1 when there is none.
func topLevelIndex(before, line, sub string) int {
	for from := 0; from < len(line); {
		i := strings.Index(line[from:], sub)
		if i < 0 {
			return -1
		}
		i += from
		if atTopLevel(before + line[:i]) {
			return i
		}
		from = i + 1
	}
	return -1
}

// atTopLevel reports whether text ends outside a literal, quoted
// identifier or comment: a ';' appended to it would end a statement.
func atTopLevel(text string) bool { return sql.Complete(text + ";") }

// splitCommand splits an input line, typed after the statement text
// buffered so far, at its first backslash outside literals and comments:
// the SQL before it and the backslash command from it ("" when none). As in
// psql, `SELECT 1; \timing` runs the SELECT, then toggles timing.
func splitCommand(buffered, line string) (sqlPart, command string) {
	i := topLevelIndex(buffered, line, `\`)
	if i < 0 {
		return line, ""
	}
	return line[:i], line[i:]
}
