package sql

import (
	"sort"
	"unicode/utf8"
)

// lineIndex maps byte offsets of a script to line and column positions.
type lineIndex struct {
	src    string
	starts []int // byte offset of the start of each line
}

func newLineIndex(src string) *lineIndex {
	starts := []int{0}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{src: src, starts: starts}
}

// pos returns the position of byte offset off.
func (l *lineIndex) pos(off int) Pos {
	if off < 0 {
		off = 0
	}
	line := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off }) - 1
	if line < 0 {
		line = 0
	}
	// Columns count characters, as an editor shows them; Offset stays in bytes.
	col := off - l.starts[line] + 1
	if off <= len(l.src) {
		col = utf8.RuneCountInString(l.src[l.starts[line]:off]) + 1
	}
	return Pos{Offset: off, Line: line + 1, Col: col}
}
