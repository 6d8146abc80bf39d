package shacl

// normalizeTurtle removes the semicolons that Turtle allows at the end of a
// predicate-object list ("…; ]", "…; .", ";;") and the knakk/rdf parser
// does not, replacing each with a space so positions in error messages stay
// the same. Strings, IRIs and comments are left alone. Nothing else
// changes, so the triples are those of the document.
func normalizeTurtle(doc []byte) []byte {
	out := append([]byte(nil), doc...)
	n := len(out)
	skipBlank := func(j int) int {
		for j < n {
			switch out[j] {
			case ' ', '\t', '\r', '\n':
				j++
			case '#':
				for j < n && out[j] != '\n' {
					j++
				}
			default:
				return j
			}
		}
		return j
	}
	for i := 0; i < n; i++ {
		switch c := out[i]; c {
		case '#':
			for i < n && out[i] != '\n' {
				i++
			}
		case '<':
			for i++; i < n && out[i] != '>'; i++ {
			}
		case '"', '\'':
			long := i+2 < n && out[i+1] == c && out[i+2] == c
			if long {
				i += 3
				for i < n && !(out[i] == c && i+2 < n && out[i+1] == c && out[i+2] == c) {
					if out[i] == '\\' {
						i++
					}
					i++
				}
				i += 2
				continue
			}
			for i++; i < n && out[i] != c; i++ {
				if out[i] == '\\' {
					i++
				}
			}
		case ';':
			j := skipBlank(i + 1)
			if j == n || out[j] == ';' || out[j] == ']' || out[j] == '.' {
				out[i] = ' '
			}
		}
	}
	return out
}
