package coldata

// Nulls is a null bitmap: bit i set means row i is NULL. A nil or empty
// Nulls has no NULLs.
type Nulls []uint64

// IsNull reports whether row i is NULL.
func (n Nulls) IsNull(i int) bool {
	w := i >> 6
	return w < len(n) && n[w]&(1<<(uint(i)&63)) != 0
}

// Any reports whether any bit is set.
func (n Nulls) Any() bool {
	for _, w := range n {
		if w != 0 {
			return true
		}
	}
	return false
}

// Set marks row i NULL, growing the bitmap as needed.
func (n *Nulls) Set(i int) {
	w := i >> 6
	for len(*n) <= w {
		*n = append(*n, 0)
	}
	(*n)[w] |= 1 << (uint(i) & 63)
}

// Unset marks row i not NULL.
func (n Nulls) Unset(i int) {
	w := i >> 6
	if w < len(n) {
		n[w] &^= 1 << (uint(i) & 63)
	}
}

// Clear marks every row not NULL, keeping the capacity.
func (n *Nulls) Clear() { *n = (*n)[:0] }
