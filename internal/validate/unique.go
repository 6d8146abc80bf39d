package validate

// keySet remembers the keys of unique fields and primary keys with bounded
// memory per row: a 128-bit hash of the typed value (two independent
// maphash seeds) and the line of its first occurrence, in a Go map: about
// 40–60 bytes per distinct row (24-byte slots, load factor up to 7/8, map
// doubling), as measured by TestKeySetMemory. A false duplicate needs a
// 128-bit collision: negligible even for billions of rows.
//
// Keys that are a single integer or date are kept as bits instead
// (intSet): 4096-bit pages per value range, so dense values such as
// running ids cost about one bit per row and stay in cache. When the values
// are sparse (fewer than 16 per page on average over 1024 pages) the set
// moves them to a map of 8-byte integers. Such keys report "repeats an
// earlier row" without the line.
type keySet struct {
	hashes map[hashKey]int64
	ints   *intSet
}

func newKeySet(intKey bool) *keySet {
	if intKey {
		return &keySet{ints: newIntSet()}
	}
	return &keySet{hashes: map[hashKey]int64{}}
}

// has reports whether k was added, with its line when known (0 otherwise).
func (s *keySet) has(k hashKey) (line int64, ok bool) {
	if s.ints != nil && k[1] == 1 {
		return 0, s.ints.has(int64(k[0]))
	}
	line, ok = s.hashes[k]
	return line, ok
}

func (s *keySet) add(k hashKey, line int64) {
	if s.ints != nil && k[1] == 1 {
		s.ints.add(int64(k[0]))
		return
	}
	if s.hashes == nil {
		s.hashes = map[hashKey]int64{}
	}
	s.hashes[k] = line
}

const pageBits = 4096

type page [pageBits / 64]uint64

// intSet is a set of int64 values stored as bit pages, falling back to a
// plain map when the values are sparse.
type intSet struct {
	pages    map[int64]*page
	lastNo   int64
	last     *page
	n        int
	fallback map[int64]struct{}
}

func newIntSet() *intSet { return &intSet{pages: map[int64]*page{}, lastNo: -1 << 63} }

func (s *intSet) find(v int64, create bool) (*page, uint) {
	no, bit := v>>12, uint(v&(pageBits-1))
	if no == s.lastNo && s.last != nil {
		return s.last, bit
	}
	p := s.pages[no]
	if p == nil && create {
		p = new(page)
		s.pages[no] = p
	}
	if p != nil {
		s.lastNo, s.last = no, p
	}
	return p, bit
}

func (s *intSet) has(v int64) bool {
	if s.fallback != nil {
		_, ok := s.fallback[v]
		return ok
	}
	p, bit := s.find(v, false)
	return p != nil && p[bit/64]&(1<<(bit%64)) != 0
}

func (s *intSet) add(v int64) {
	if s.fallback != nil {
		s.fallback[v] = struct{}{}
		return
	}
	p, bit := s.find(v, true)
	p[bit/64] |= 1 << (bit % 64)
	s.n++
	if len(s.pages) >= 1024 && s.n < 16*len(s.pages) {
		s.toMap()
	}
}

// toMap moves sparse values from bit pages to a map.
func (s *intSet) toMap() {
	s.fallback = make(map[int64]struct{}, s.n)
	for no, p := range s.pages {
		for w, word := range p {
			for b := 0; word != 0; b++ {
				if word&1 != 0 {
					s.fallback[no<<12|int64(w*64+b)] = struct{}{}
				}
				word >>= 1
			}
		}
	}
	s.pages, s.last = nil, nil
}
