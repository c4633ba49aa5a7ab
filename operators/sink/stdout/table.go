package stdout

import (
	"bufio"
	"strconv"
	"unicode/utf8"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// tableWriter prints aligned columns, psql style, batch by batch as windows
// close. The header is printed once, with the widths of the first batch;
// a column widens when a later value needs it (earlier lines are not
// redrawn). Numbers are right-aligned, everything else left-aligned; NULL
// prints as NULL and a missing emission kind as an empty cell.
type tableWriter struct {
	names  []string
	right  []bool
	widths []int
	header bool
	query  []byte // the _query cell; empty when there is no _query column
	ends   []int  // end offset in text of each cell of the batch, row-major
	text   []byte
	line   []byte
}

func newTable(schema catalog.Schema, queryIndex int) *tableWriter {
	t := &tableWriter{}
	for _, c := range schema {
		t.names = append(t.names, c.Name)
		t.right = append(t.right, c.Type.Numeric())
	}
	if queryIndex > 0 {
		t.names = append(t.names, "_query")
		t.right = append(t.right, true)
		t.query = strconv.AppendInt(nil, int64(queryIndex), 10)
	}
	t.names = append(t.names, "_emit")
	t.right = append(t.right, false)
	t.widths = make([]int, len(t.names))
	for i, n := range t.names {
		t.widths[i] = utf8.RuneCountInString(n)
	}
	return t
}

func (t *tableWriter) writeBatch(w *bufio.Writer, b *coldata.Batch) error {
	// Render every cell of the batch first to learn the widths.
	ncols := len(t.names)
	t.text, t.ends = t.text[:0], t.ends[:0]
	queryCol := -1
	if len(t.query) > 0 {
		queryCol = ncols - 2
	}
	rows := 0
	b.ForEach(func(i int) {
		rows++
		for c := 0; c < ncols; c++ {
			switch {
			case c == ncols-1:
				t.text = append(t.text, emitKind(b, i).String()...)
			case c == queryCol:
				t.text = append(t.text, t.query...)
			default:
				var ok bool
				if t.text, ok = appendText(t.text, b.Cols[c], i); !ok {
					t.text = append(t.text, "NULL"...)
				}
			}
			t.ends = append(t.ends, len(t.text))
		}
	})
	start := 0
	for k, end := range t.ends {
		if n := utf8.RuneCount(t.text[start:end]); n > t.widths[k%ncols] {
			t.widths[k%ncols] = n
		}
		start = end
	}
	if !t.header {
		t.header = true
		line := t.line[:0]
		for c, n := range t.names {
			line = t.cell(line, c, []byte(n), false)
		}
		line = append(line, '\n')
		for c, width := range t.widths {
			if c > 0 {
				line = append(line, '+')
			}
			for k := 0; k < width+2; k++ {
				line = append(line, '-')
			}
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
		t.line = line
	}
	start = 0
	for r := 0; r < rows; r++ {
		line := t.line[:0]
		for c := 0; c < ncols; c++ {
			end := t.ends[r*ncols+c]
			line = t.cell(line, c, t.text[start:end], t.right[c])
			start = end
		}
		line = append(line, '\n')
		t.line = line
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// cell appends one padded cell (with its separator) to line.
func (t *tableWriter) cell(line []byte, c int, s []byte, right bool) []byte {
	if c > 0 {
		line = append(line, " |"...)
	}
	line = append(line, ' ')
	pad := t.widths[c] - utf8.RuneCount(s)
	if right {
		line = appendSpaces(line, pad)
	}
	line = append(line, s...)
	if !right && c < len(t.widths)-1 {
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
