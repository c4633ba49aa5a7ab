package stdout

// cells is a block of table rows, flat: text holds the rendered cells one
// after another, row-major; ends[k] is where cell k ends in text and
// widths[k] is its display width.
type cells struct {
	ncols  int
	text   []byte
	ends   []int
	widths []int
}

func (c *cells) reset() {
	c.text, c.ends, c.widths = c.text[:0], c.ends[:0], c.widths[:0]
}

// add appends the next cell, s rendered by appendCell; s must not alias
// c.text. A NULL is added as an empty cell.
func (c *cells) add(s []byte) {
	start := len(c.text)
	c.text = appendCell(c.text, s)
	c.ends = append(c.ends, len(c.text))
	c.widths = append(c.widths, displayWidth(c.text[start:]))
}

func (c *cells) rows() int { return len(c.ends) / c.ncols }

// cell returns cell k's text and width.
func (c *cells) cell(k int) ([]byte, int) {
	start := 0
	if k > 0 {
		start = c.ends[k-1]
	}
	return c.text[start:c.ends[k]], c.widths[k]
}

// layout is the columns of a table: header cells, alignment and widths.
// Widths only grow: a column is as wide as the widest cell, header
// included, of every block laid out so far.
type layout struct {
	header cells
	right  []bool
	widths []int
}

func newLayout(names []string, right []bool) *layout {
	l := &layout{header: cells{ncols: len(names)}, right: right, widths: make([]int, len(names))}
	for i, n := range names {
		l.header.add([]byte(n))
		_, l.widths[i] = l.header.cell(i)
	}
	return l
}

// widen grows the columns to fit the cells of b and reports whether any
// column grew.
func (l *layout) widen(b *cells) bool {
	grew := false
	for k, w := range b.widths {
		if c := k % b.ncols; w > l.widths[c] {
			l.widths[c] = w
			grew = true
		}
	}
	return grew
}

// appendHeader appends the header line (names left-aligned) and the rule
// under it.
func (l *layout) appendHeader(line []byte) []byte {
	for c := range l.widths {
		s, w := l.header.cell(c)
		line = l.appendCell(line, c, s, w, false)
	}
	line = append(line, '\n')
	for c, w := range l.widths {
		if c > 0 {
			line = append(line, '+')
		}
		for k := 0; k < w+2; k++ {
			line = append(line, '-')
		}
	}
	return append(line, '\n')
}

// appendRow appends row r of b as one line.
func (l *layout) appendRow(line []byte, b *cells, r int) []byte {
	for c := range l.widths {
		s, w := b.cell(r*b.ncols + c)
		line = l.appendCell(line, c, s, w, l.right[c])
	}
	return append(line, '\n')
}

// appendCell appends one padded cell, with its separator, to line; the last
// column gets no trailing spaces (an empty right-aligned cell there, none at
// all).
func (l *layout) appendCell(line []byte, c int, s []byte, w int, right bool) []byte {
	if c > 0 {
		line = append(line, " |"...)
	}
	line = append(line, ' ')
	pad := l.widths[c] - w
	last := c == len(l.widths)-1
	if right && !(last && w == 0) {
		line = appendSpaces(line, pad)
	}
	line = append(line, s...)
	if !right && !last {
		line = appendSpaces(line, pad)
	}
	return line
}

func appendSpaces(dst []byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, ' ')
	}
	return dst
}

// AppendTable appends a finished result — the rows of SHOW, DESCRIBE, or a
// SELECT that reads a materialized view — as the table format prints rows:
// a header line of names, a rule, then one line per row, columns as wide as
// their widest cell in display width; right[i] right-aligns column i (for
// numbers). rows[r][i] is a cell's text; nulls[r][i], when nulls is not nil,
// marks NULL, which prints as an empty cell (as psql does). Cells escape
// newlines, tabs and other control characters as the table format does.
func AppendTable(dst []byte, names []string, right []bool, rows [][]string, nulls [][]bool) []byte {
	l := newLayout(names, right)
	b := &cells{ncols: len(names)}
	var raw []byte
	for r, row := range rows {
		for i := range names {
			raw = raw[:0]
			null := r < len(nulls) && i < len(nulls[r]) && nulls[r][i]
			if i < len(row) && !null {
				raw = append(raw, row[i]...)
			}
			b.add(raw)
		}
	}
	l.widen(b)
	dst = l.appendHeader(dst)
	for r := 0; r < b.rows(); r++ {
		dst = l.appendRow(dst, b, r)
	}
	return dst
}
