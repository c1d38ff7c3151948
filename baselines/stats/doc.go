// Package stats decides, case by case, whether a current run differs from a
// baseline: each side's median with a distribution-free interval
// (golang.org/x/perf/benchmath), the ratio of medians with a bootstrap
// interval, the Mann-Whitney p-value, and a verdict against the case's
// threshold (Config).
//
// # The rule
//
// For each case and unit, Compare computes each side's median and its
// distribution-free confidence interval (benchmath, AssumeNothing), the
// Mann-Whitney U p-value (benchmath), and the ratio current/baseline of the
// medians with a 95% percentile-bootstrap interval (2000 resamples, seeded
// from the case and unit so results are reproducible). A case is a
// regression (improvement) only when p < alpha AND the whole ratio interval
// lies above 1+t (below 1/(1+t)), t being the case's threshold: 5% by
// default, per case by regular expression in a Config. Anything else is
// "~", and "~" with too few samples for an interval is flagged as
// inconclusive rather than unchanged. Throughput units (B/s, GMAC/s, any
// unit ending in /s or marked better=higher) are higher-is-better.
//
// When the samples were taken interleaved (regression-check --against:
// round i runs A and B back to back), Options.Paired judges the rounds'
// log ratios ln(b_i/a_i) instead (SignedRank): the Hodges-Lehmann estimate,
// its distribution-free interval and the Wilcoxon signed-rank p-value, so
// the state of the machine each pair shared stays out of the ratio and out
// of the test. On a pool of real interleaved runs under a changing load it
// caught a +5-10% slowdown at a 2.5% threshold in 13 of 18 disjoint
// 60-round windows, where the bootstrap of the pairs' median ratio with the
// Mann-Whitney test caught 8 (README, "What each mode can and cannot
// promise").
//
// # Error rates, and what the threshold can and cannot do
//
// Under A/A, a false positive needs both p < alpha and an interval that
// clears the threshold; the interval alone already makes that rare
// (the estimate would have to land about t + 1.96 sigma out).
//
// A slowdown exactly equal to the threshold is detected at most half the
// time by any rule that requires the interval to lie beyond the threshold:
// the interval contains the estimate, and the estimate lands below the
// true ratio half the time. So a 5% slowdown cannot be caught 80% of the
// time at a 5% threshold; it needs a threshold below 5% by a few standard
// deviations of the estimate, which is what Calibrate recommends for cases
// quiet enough to allow it.
//
// # Choosing the sample count
//
// The log of the ratio of two medians of n samples each is about normal
// with standard deviation sigma = sqrt(2)·sqrt(pi/2)·s/sqrt(n) ≈ 1.77·s/sqrt(n),
// where s is the samples' relative spread (robust sd: 1.4826·MAD/median).
// The interval's lower end is about the estimate minus 1.96 sigma, so a
// change c is detected with probability P at threshold t when
//
//	ln(1+c) - ln(1+t) >= (1.96 + z_P)·sigma,
//	n = 2·(pi/2)·((1.96 + z_P)·s / (ln(1+c) - ln(1+t)))²    (SamplesFor)
//
// For c = 10%, t = 5%, P = 95% (z = 1.645): n = (137.4·s)². The
// Mann-Whitney test reaches p < 0.05 with far fewer samples for a change
// that large, so the interval decides n.
//
// The s in this formula must be the spread the comparison really faces,
// which is not the spread of one run's samples. For --against it is the
// spread of single samples taken in separate processes (each round is a
// fresh pair of processes); for files it is the spread of separate runs'
// medians. An earlier version of this section derived DefaultSamples from
// the within-run spread of a synthetic loop (a median s of 0.7-0.9%), and
// the verdicts it justified did not hold for separate runs. Measured with
// regression-check --validate on six standard-library benchmarks (30 ns to
// 30 ms per op), separate processes, on a 2-vCPU Zen 5 VM at a load average
// of 21-37 (baselines/validate/noise.sh plus other jobs; README, "What each
// mode can and cannot promise"): the per-sample spread across interleaved
// processes was 41-70%, the standard deviation of separate -count 10 runs'
// medians 31-56%, and their within-run spread 24-56%. At s = 40% the formula
// asks about 3000 rounds for a 10% change; at s = 5.6% it asks 60, which is
// DefaultSamples: sixty rounds suffice only on a machine whose per-process
// noise stays near 5%. Where it does not, the verdict is inconclusive, not
// a guess, and --against --budget keeps looking until the budget ends.
// --calibrate measures the between-run spread of a user's own benchmarks at
// the sample count they compare.
//
// Samples should be short enough that the machine's interference shows as
// outliers, which the median ignores, rather than as a random share of
// every sample; and interleaved, so that slow periods fall on both sides
// alike. That is why --against alternates the two binaries every round
// (A B, then B A).
package stats
