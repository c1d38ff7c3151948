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
// round i runs A and B back to back), Options.Paired makes the bootstrap
// resample the pairs (a_i, b_i) together, so the state of the machine each
// pair shared stays out of the ratio.
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
// DefaultSamples is 60, for this reason. regression-check --validate
// reports, per trial, the samples' spread s on the machine it runs on. On
// the 2-core shared VM this was developed on (10 ms batches of a 2 µs
// synthetic op; four runs of 300 trials, load average 0.7 to 6.8) s had a
// median of 0.7-0.9%, a 90th percentile of 2-5% and a 95th percentile of
// 3.4-8.4%; an earlier run under heavier contention had a median of 2.6%.
// The formula gives n = 60 at s = 5.6%: sixty samples detect a 10% change
// at the 5% threshold with 95% probability while the noise stays under
// 5.6%, about 93% of the machine states seen, and leave room for the
// formula's optimism under bursty noise (n = 40 at a median s of 2.6%
// measured 84%, not the 95% the formula promised). With 60 samples the
// percentile bootstrap also has enough values per side for stable 2.5%
// tails. --samples overrides it; --calibrate prints, per case, the samples
// its noise needs.
//
// Samples should be short enough that the machine's interference shows as
// outliers, which the median ignores, rather than as a random share of
// every sample; and interleaved, so that slow periods fall on both sides
// alike. That is why --against alternates the two binaries every round
// (A B, then B A) and why --validate times 10 ms batches.
package stats
