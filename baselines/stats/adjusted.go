package stats

import (
	"math"
	"slices"
)

// minAdjustedDF is the fewest residual degrees of freedom the control-
// adjusted runs estimate keeps: as many as a history of 5 runs gives the
// unadjusted one (t = 2.78), so adjusting never widens t beyond it. With
// fewer, the fit of a few runs is fragile: in a validation pool, 5+1 runs
// with two controls (2 df) gave intervals such as [0.008, 96] where a
// current run's memory control lay 40% from the history's.
const minAdjustedDF = 4

// EstimateAdjusted is Estimate with the runs' controls as covariates. Each
// run is its log median y; its controls (bench/controls, measured in that
// run) are its log control medians x. The runs of both sides are fitted by
// least squares,
//
//	y = a + d·[current] + Σ b_k·x_k + e,
//
// so the machine's state in each run, as the controls saw it, is taken out
// of the comparison: a run that landed on a busy memory bus is compared
// with what the baseline runs say a run in that state takes. d estimates the
// change; its interval is Student's t on the residual degrees of freedom
// (runs - 2 - controls, at least minAdjustedDF), with the standard error that least squares gives
// it, which grows when the current run's controls lie outside those the
// baseline runs saw (extrapolation). As in Estimate, the residual variance
// is never taken below the within-run variance of a run's median.
//
// baseX and curX hold, per run (parallel to base and cur), the control
// values in seconds, one per control in the same order on every run. ok is
// false when a run lacks a control, a value is not positive, fewer than
// minAdjustedDF degrees of freedom remain, or the controls do not vary
// independently (a singular fit).
func (ri RunsInterval) EstimateAdjusted(base, cur, baseX, curX [][]float64) (e RunsEstimate, ok bool) {
	if len(base) == 0 || len(cur) == 0 || len(baseX) != len(base) || len(curX) != len(cur) {
		return e, false
	}
	k := len(baseX[0])
	runs := len(base) + len(cur)
	df := runs - 2 - k
	if k == 0 || df < minAdjustedDF {
		return e, false
	}
	var ys, within []float64
	var rows [][]float64
	for s, side := range [][][]float64{base, cur} {
		xs := [][][]float64{baseX, curX}[s]
		for i, r := range side {
			if len(r) == 0 || !allPositive(r) || len(xs[i]) != k || !allPositive(xs[i]) {
				return e, false
			}
			lr := make([]float64, len(r))
			for j, v := range r {
				lr[j] = math.Log(v)
			}
			y := Median(slices.Clone(lr))
			ys = append(ys, y)
			within = append(within, medianVariance(lr, y))
			row := []float64{1, float64(s)}
			for _, x := range xs[i] {
				row = append(row, math.Log(x))
			}
			rows = append(rows, row)
		}
	}
	beta, inv, ok := leastSquares(rows, ys)
	if !ok {
		return e, false
	}
	var rss float64
	for i, row := range rows {
		fit := 0.0
		for j, x := range row {
			fit += beta[j] * x
		}
		rss += (ys[i] - fit) * (ys[i] - fit)
	}
	s2 := max(rss/float64(df), mean(within))
	d := beta[1]
	h := StudentTQuantile(1-(1-ri.Confidence)/2, float64(df)) * math.Sqrt(s2*inv[1][1])
	return RunsEstimate{Ratio: math.Exp(d), Lo: math.Exp(d - h), Hi: math.Exp(d + h), Spread: math.Sqrt(s2), DF: df, Slopes: slices.Clone(beta[2:])}, true
}

// leastSquares fits ys ≈ rows·beta, where rows[i][0] is the intercept's 1,
// and returns beta and the inverse of the centered normal matrix (index j
// of it is column j of rows; entry [0] unused): with an intercept, the
// variance of slope j is σ²·inv[j][j]. Gauss-Jordan elimination with
// partial pivoting on the normal equations of the centered columns (a
// handful), which keeps the system well conditioned; ok is false when it
// is singular.
func leastSquares(rows [][]float64, ys []float64) (beta []float64, inv [][]float64, ok bool) {
	p := len(rows[0]) - 1 // slopes
	n := float64(len(rows))
	means := make([]float64, p)
	ym := mean(ys)
	for _, r := range rows {
		for j := range p {
			means[j] += r[j+1] / n
		}
	}
	a := make([][]float64, p) // [X̃ᵀX̃ | I]
	rhs := make([]float64, p)
	for i := range a {
		a[i] = make([]float64, 2*p)
		a[i][p+i] = 1
	}
	for k, r := range rows {
		for i := range p {
			xi := r[i+1] - means[i]
			rhs[i] += xi * (ys[k] - ym)
			for j := range p {
				a[i][j] += xi * (r[j+1] - means[j])
			}
		}
	}
	scale := 0.0
	for i := range p {
		scale = max(scale, math.Abs(a[i][i]))
	}
	for c := range p {
		piv := c
		for r := c + 1; r < p; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[piv][c]) {
				piv = r
			}
		}
		if !(math.Abs(a[piv][c]) > 1e-12*scale) {
			return nil, nil, false
		}
		a[c], a[piv] = a[piv], a[c]
		rhs[c], rhs[piv] = rhs[piv], rhs[c]
		f := a[c][c]
		for j := range a[c] {
			a[c][j] /= f
		}
		rhs[c] /= f
		for r := range p {
			if r != c && a[r][c] != 0 {
				g := a[r][c]
				for j := range a[r] {
					a[r][j] -= g * a[c][j]
				}
				rhs[r] -= g * rhs[c]
			}
		}
	}
	beta = make([]float64, p+1)
	inv = make([][]float64, p+1)
	beta[0] = ym
	for j := range p {
		beta[j+1] = rhs[j]
		beta[0] -= rhs[j] * means[j]
		inv[j+1] = make([]float64, p+1)
		copy(inv[j+1][1:], a[j][p:])
	}
	return beta, inv, true
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
