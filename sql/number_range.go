package sql

import (
	"errors"
	"math"
	"strconv"
)

// CodeOutOfRange is SQLSTATE 22003, numeric_value_out_of_range.
const CodeOutOfRange = "22003"

// checkNumbers refuses a numeric literal too large for any of weir's number
// types, positioned at it: 1e400, or an integer of 400 digits (an integer
// beyond BIGINT is a DOUBLE, as a decimal literal is). PostgreSQL says
// `"1e400" is out of range for type double precision`.
func (p *parser) checkNumbers() error {
	for _, t := range p.toks {
		if t.kind != tokNumber {
			continue
		}
		f, err := strconv.ParseFloat(t.val, 64)
		if errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0) {
			return p.errAt(t.start, CodeOutOfRange, "%q is out of range for type DOUBLE", t.val)
		}
	}
	return nil
}
