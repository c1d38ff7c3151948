package kernels

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSpecsComplete checks that every op of the table has each of its
// parts, so the catalogue, the reference and the report can rely on them.
func TestSpecsComplete(t *testing.T) {
	seen := map[Op]bool{}
	for _, s := range Specs {
		if seen[s.Op] {
			t.Errorf("%s: in the table twice", s.Op)
		}
		seen[s.Op] = true
		if s.Family == "" || s.DType == "" || s.Work == nil || s.Alloc == nil || s.Check == nil || s.Reference == nil {
			t.Errorf("%s: a part is missing: %+v", s.Op, s)
		}
		if (s.Family == "activation") != (s.Scalar != nil) {
			t.Errorf("%s: family %s with Scalar %v: want a scalar reference for exactly the activations", s.Op, s.Family, s.Scalar != nil)
		}
		if s.PerToken && !s.Batched {
			t.Errorf("%s: sized per token but not batched: its cases would have no token count", s.Op)
		}
		if !slices.Contains(FamilyOps(s.Family), s.Op) || FamilyOf(s.Op) != s.Family {
			t.Errorf("%s: family %q does not list it", s.Op, s.Family)
		}
	}
	if len(Ops) != len(Specs) || !slices.Equal(Ops, opsOf(Specs)) {
		t.Errorf("Ops = %v, want the table's order", Ops)
	}
	// Families are contiguous in the table, so run order is family order.
	var order []Op
	for _, f := range Families() {
		order = append(order, FamilyOps(f)...)
	}
	if !slices.Equal(order, Ops) {
		t.Errorf("ops by family %v differ from the table's order %v", order, Ops)
	}
	if FamilyOf("NoSuchOp") != "" || FamilyOps("nosuch") != nil {
		t.Error("an unknown op or family has a place in the table")
	}
}

// TestSpecsAllocCheckReference makes every op's operands at a few shapes,
// checks them, runs the reference on them, and checks that a short output
// is refused.
func TestSpecsAllocCheckReference(t *testing.T) {
	for _, s := range Specs {
		for _, sh := range [][3]int{{1, 1, 1}, {3, 5, 130}, {2, 64, 256}} {
			p := &Problem{Op: s.Op, M: sh[0], N: sh[1], K: sh[2]}
			r := rand.New(rand.NewPCG(1, 2))
			if err := s.Alloc(p, HeapTensors{}, r); err != nil {
				t.Fatalf("%s %v: Alloc: %v", s.Op, sh, err)
			}
			if err := p.Check(); err != nil {
				t.Fatalf("%s %v: Check of Alloc's operands: %v", s.Op, sh, err)
			}
			if err := RunReference(p); err != nil {
				t.Fatalf("%s %v: reference: %v", s.Op, sh, err)
			}
			bytes, macs := s.Work(int64(sh[0]), int64(sh[1]), int64(sh[2]))
			if bytes <= 0 || macs < 0 {
				t.Errorf("%s %v: work %d bytes, %d MACs", s.Op, sh, bytes, macs)
			}
			// Every output the op writes is checked: empty each in turn.
			for _, cut := range []func(q *Problem) int{
				func(q *Problem) (n int) { n, q.Y = len(q.Y), nil; return n },
				func(q *Problem) (n int) { n, q.YQ = len(q.YQ), nil; return n },
				func(q *Problem) (n int) { n, q.YScales = len(q.YScales), nil; return n },
				func(q *Problem) (n int) { n, q.YPacked = len(q.YPacked), nil; return n },
				func(q *Problem) (n int) { n, q.YH = len(q.YH), nil; return n },
			} {
				q := *p
				if had := cut(&q); had > 0 && q.Check() == nil {
					t.Errorf("%s %v: Check accepts a missing output of %d elements", s.Op, sh, had)
				}
			}
		}
	}
	if err := (&Problem{Op: "NoSuchOp", M: 1, N: 1, K: 1}).Check(); err == nil {
		t.Error("Check accepts an op that is not in the table")
	}
}
