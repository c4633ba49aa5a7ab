package render

// AppendCSVField appends s, quoted when it holds a comma, quote, CR or LF,
// or when it is an empty string value (to tell it from NULL).
func AppendCSVField(dst []byte, s []byte, quoteEmpty bool) []byte {
	quote := quoteEmpty && len(s) == 0
	for i := 0; i < len(s) && !quote; i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			quote = true
		}
	}
	if !quote {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}
