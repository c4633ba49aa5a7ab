package jsondec

// Interning bounds: strings longer than maxInternLen are never interned, and
// a column's table is cleared when it reaches maxInternEntries so that a
// high-cardinality column cannot grow it without bound.
const (
	maxInternLen     = 128
	maxInternEntries = 4096
)

// interner maps the bytes of a string value to one shared Go string, so that
// repeated values of low-cardinality columns (model names, hosts, severity)
// cost a map lookup instead of an allocation.
type interner struct {
	m map[string]string
}

// get returns a string equal to b, allocating only the first time a value is
// seen (or always, for long values).
func (in *interner) get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxInternLen {
		return string(b)
	}
	if s, ok := in.m[string(b)]; ok { // no allocation: map lookup by []byte conversion
		return s
	}
	if in.m == nil || len(in.m) >= maxInternEntries {
		in.m = make(map[string]string, 64)
	}
	s := string(b)
	in.m[s] = s
	return s
}
