package cpu

// AMXUnavailable says why BitLinear runs no AMX-INT8 (tile multiply) level
// on this machine: the CPU has none, Linux refused the tile data state,
// or (where both are there) no AMX kernel is implemented yet. There is
// never an empty answer: no AMX kernel exists in this build.
func AMXUnavailable() string { return amxUnavailable() }
