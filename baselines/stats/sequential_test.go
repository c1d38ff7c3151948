package stats

import (
	"math"
	"testing"
)

func TestLookAlphaSpendsAlphaOnce(t *testing.T) {
	const alpha = 0.05
	looks := []int{10, 15, 23, 35, 53, 80, 120, 180, 200}
	sum, prev := 0.0, 0
	var shares []float64
	for _, n := range looks {
		a := LookAlpha(alpha, prev, n, 200)
		if a < 0 {
			t.Fatalf("look %d: negative share %v", n, a)
		}
		shares = append(shares, a)
		sum += a
		prev = n
	}
	if math.Abs(sum-alpha) > 1e-12 {
		t.Errorf("the looks spend %v in all, want %v", sum, alpha)
	}
	// O'Brien-Fleming: the first look (5% of the rounds) spends next to
	// nothing; the look at 180 more than the even share alpha/9.
	if shares[0] > 1e-10 || shares[7] < alpha/9 {
		t.Errorf("shares %v: want almost none at first, more than alpha/9 at 180 rounds", shares)
	}
	// Known value: 2 - 2Φ(1.96/√0.5) at half the rounds.
	if got := SpentAlpha(alpha, 0.5); math.Abs(got-0.005574) > 2e-5 {
		t.Errorf("SpentAlpha(0.05, 0.5) = %v, want 0.00557", got)
	}
	// A run the budget stops early spends what is left at its last look.
	if got := LookAlpha(alpha, 53, 70, 60); math.Abs(got+SpentAlpha(alpha, 53.0/60)-alpha) > 1e-12 {
		t.Errorf("last look past the plan spends %v", got)
	}
	if got := LookAlpha(alpha, 0, 10, 0); got != alpha {
		t.Errorf("no plan: %v, want alpha", got)
	}
}
