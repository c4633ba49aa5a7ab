package sql

import (
	"sort"
	"strings"
)

// placeholderPrefix starts every name weir substitutes into the text it
// hands TiDB (lifted intervals, window TVFs, casts). Users can't use it.
const placeholderPrefix = "__weir_"

// rewrite builds the standard-SQL text handed to TiDB, remembering where
// each piece came from so TiDB's offsets map back to the user's text.
type rewrite struct {
	buf  strings.Builder
	segs []segment // ordered by out
}

// segment maps text written at out to the user's text at orig. A synthetic
// segment (a placeholder) maps every offset inside it to orig.
type segment struct {
	out, orig int
	synthetic bool
}

// copySpan copies src[from:to] unchanged.
func (r *rewrite) copySpan(src string, from, to int) {
	r.segs = append(r.segs, segment{out: r.buf.Len(), orig: from})
	r.buf.WriteString(src[from:to])
}

// blank writes src[from:to] as whitespace (comments removed, newlines kept),
// so TiDB never sees weir's comments.
func (r *rewrite) blank(src string, from, to int) {
	if from >= to {
		return
	}
	r.segs = append(r.segs, segment{out: r.buf.Len(), orig: from})
	for i := from; i < to; i++ {
		if src[i] == '\n' {
			r.buf.WriteByte('\n')
		} else {
			r.buf.WriteByte(' ')
		}
	}
}

// synth writes text standing for the user's text at orig. A space goes
// first when the text would otherwise run into the word before it (the
// user's 0INTERVAL '1' DAY or 0x::INT are two tokens; 0__weir_iv0 would
// be one).
func (r *rewrite) synth(text string, orig int) {
	r.segs = append(r.segs, segment{out: r.buf.Len(), orig: orig, synthetic: true})
	if s := r.buf.String(); s != "" && text != "" && isIdentPart(s[len(s)-1]) && isIdentPart(text[0]) {
		r.buf.WriteByte(' ')
	}
	r.buf.WriteString(text)
}

// orig maps an offset of the rewritten text to the user's text.
func (r *rewrite) orig(off int) int {
	i := sort.Search(len(r.segs), func(i int) bool { return r.segs[i].out > off }) - 1
	if i < 0 {
		if len(r.segs) == 0 {
			return 0
		}
		return r.segs[0].orig
	}
	s := r.segs[i]
	if s.synthetic {
		return s.orig
	}
	return s.orig + off - s.out
}
