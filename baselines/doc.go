// Package baselines is the regression checker of bitnet-bench, split by job
// the way golang.org/x/perf splits benchfmt, benchmath and benchproc:
//
//   - input reads results.json and Go benchmark text into one side of a
//     comparison (several files merged as one side);
//   - machine fingerprints the machine a run was measured on;
//   - stats compares two sides and gives each case its verdict;
//   - store keeps baselines per machine fingerprint and name;
//   - abrun builds a git ref and the working tree and runs their
//     benchmarks interleaved (regression-check --against);
//   - ciout writes a comparison as a terminal table, Markdown, JUnit XML
//     and JSON;
//   - validate measures the method's error rates and calibrates thresholds
//     (regression-check --validate, --calibrate).
//
// The fuzz targets here run the whole pipeline: read, compare, write.
package baselines
