//go:build race

package cpu_test

// raceEnabled: the race detector instruments Go loops (not assembly), so
// rates measured under it say nothing about the machine.
const raceEnabled = true
