package stats

import (
	"encoding/json"
	"math"
)

// jsonNum is a float64 that encodes as null when not finite, which JSON
// cannot represent.
type jsonNum float64

func (f jsonNum) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// MarshalJSON writes an unbounded interval's ends as null.
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Center jsonNum `json:"center"`
		Lo     jsonNum `json:"lo"`
		Hi     jsonNum `json:"hi"`
		N      int     `json:"n"`
	}{jsonNum(s.Center), jsonNum(s.Lo), jsonNum(s.Hi), s.N})
}

// MarshalJSON writes infinite ratios (a zero baseline, an unbounded
// interval) as null.
func (r Row) MarshalJSON() ([]byte, error) {
	type plain Row // drops this method, so no recursion
	return json.Marshal(struct {
		plain
		// Shallower fields win over plain's of the same JSON name.
		Ratio   jsonNum `json:"ratio,omitempty"`
		RatioLo jsonNum `json:"ratio_lo,omitempty"`
		RatioHi jsonNum `json:"ratio_hi,omitempty"`
	}{plain(r), jsonNum(r.Ratio), jsonNum(r.RatioLo), jsonNum(r.RatioHi)})
}
