package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/weirdb/weir/operators/source/file"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/sql"
)

// dataFileCheck refuses, before `weir run` starts anything, a bounded file
// source (connector 'file' without follow = 'true') whose data file cannot
// be read: missing, a directory, unreadable. The error is a statement error
// (exit 3) positioned at the path option's value, and names the working
// directory a relative path was resolved against. A tailed file may not
// exist yet (the source waits for it), and a file that a file sink earlier
// in the files writes is created by the run: neither is checked.
//
// It sees the statements in the order the checker does, after the checker
// accepted each.
type dataFileCheck struct {
	sources   map[string]bool // lower-cased names of the sources declared so far
	sinkPaths map[string]bool // cleaned paths written by file sinks declared so far
}

func newDataFileCheck() *dataFileCheck {
	return &dataFileCheck{sources: map[string]bool{}, sinkPaths: map[string]bool{}}
}

// check checks stmt, which the checker accepted.
func (c *dataFileCheck) check(stmt sql.Statement) error {
	switch s := stmt.(type) {
	case *sql.CreateSink:
		if optionValue(s.Options, "connector") == "file" {
			if p := optionValue(s.Options, "path"); p != "" {
				c.sinkPaths[filepath.Clean(p)] = true
			}
		}
	case *sql.Drop:
		if s.Kind == sql.KindSource {
			delete(c.sources, strings.ToLower(s.Name))
		}
	case *sql.CreateSource:
		name := strings.ToLower(s.Name)
		if s.IfNotExists && c.sources[name] {
			return nil // an existing source stays: this one is never read
		}
		c.sources[name] = true
		def, err := planner.SourceDef(s)
		if err != nil || def.Connector != "file" {
			return nil
		}
		if follow, _ := def.Options.Get("follow"); follow == "true" {
			return nil
		}
		path, _ := def.Options.Get("path")
		if path == "" || c.sinkPaths[filepath.Clean(path)] {
			return nil
		}
		if err := file.CheckPath(path); err != nil {
			return &sql.Error{At: optionValueAt(s, "path"), Code: "58P01", Msg: fmt.Sprintf("source %q: %v", s.Name, err)}
		}
	}
	return nil
}

// optionValue is the value of the WITH option key (lower-case), or "".
func optionValue(opts []sql.Option, key string) string {
	for _, o := range opts {
		if o.Key == key {
			return o.Value
		}
	}
	return ""
}

// optionValueAt is the position of the value of s's WITH option key in the
// user's text: past the key (where sql.Option.At points), '=', blanks and
// comments. It falls back to the key's position, or the statement's.
func optionValueAt(s *sql.CreateSource, key string) sql.Pos {
	var opt *sql.Option
	for i := range s.Options {
		if s.Options[i].Key == key {
			opt = &s.Options[i]
		}
	}
	if opt == nil {
		return s.At
	}
	text := s.Src
	i := opt.At.Offset - s.At.Offset
	if i < 0 || i > len(text) {
		return opt.At
	}
	eq := strings.IndexByte(text[i:], '=')
	if eq < 0 {
		return opt.At
	}
	i = skipBlanks(text, i+eq+1)
	// Count lines and columns (characters) from the statement's start.
	pos := s.At
	for _, r := range text[:i] {
		if r == '\n' {
			pos.Line, pos.Col = pos.Line+1, 1
		} else {
			pos.Col++
		}
	}
	pos.Offset = s.At.Offset + i
	return pos
}

// skipBlanks returns the offset of the first byte at or after i that is not
// a blank or part of a comment (-- or /* */).
func skipBlanks(text string, i int) int { return skipIgnored(text, i, " \t\n\r\f\v") }
