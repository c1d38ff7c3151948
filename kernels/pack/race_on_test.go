//go:build race

package pack

// raceEnabled: the race detector slows instrumented loops 10-50× but not
// copy(), so decode speeds measured under it say nothing about the code.
const raceEnabled = true
