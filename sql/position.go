package sql

import "sort"

// runeBlock is the spacing, in bytes, of lineIndex's rune-count checkpoints.
const runeBlock = 256

// lineIndex maps byte offsets of a script to line and column positions in
// O(log lines) plus at most runeBlock bytes scanned, so that converting
// every AST node's offset stays linear in the script's length even when the
// script is one long line.
type lineIndex struct {
	src    string
	starts []int // byte offset of the start of each line
	// runes[k] is the number of characters in src[:k*runeBlock], counted as
	// the bytes that do not continue a UTF-8 sequence; nil when src is ASCII
	// (a column is then a byte count).
	runes []int
}

func newLineIndex(src string) *lineIndex {
	starts := []int{0}
	ascii := true
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\n':
			starts = append(starts, i+1)
		case c >= 0x80:
			ascii = false
		}
	}
	l := &lineIndex{src: src, starts: starts}
	if !ascii {
		l.runes = make([]int, len(src)/runeBlock+1)
		n := 0
		for i := 0; i < len(src); i++ {
			if i%runeBlock == 0 {
				l.runes[i/runeBlock] = n
			}
			if src[i]&0xC0 != 0x80 {
				n++
			}
		}
	}
	return l
}

// charsBefore returns the number of characters in src[:off].
func (l *lineIndex) charsBefore(off int) int {
	if l.runes == nil {
		return off
	}
	k := off / runeBlock
	n := l.runes[k]
	for i := k * runeBlock; i < off; i++ {
		if l.src[i]&0xC0 != 0x80 {
			n++
		}
	}
	return n
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
		col = l.charsBefore(off) - l.charsBefore(l.starts[line]) + 1
	}
	if line == 0 && off >= len(bomPrefix(l.src)) && bomPrefix(l.src) != "" {
		col-- // column 1 is the character after a byte order mark
	}
	return Pos{Offset: off, Line: line + 1, Col: col}
}
