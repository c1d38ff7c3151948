package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// EnergySchema versions the file energy-analysis writes.
const EnergySchema = "bitnet-bench/energy/v1"

// Energy is the file energy-analysis writes: one workload run for a
// duration while the probes sampled power, temperature and clocks.
type Energy struct {
	Schema    string        `json:"schema"`
	Tool      Tool          `json:"tool"`
	Created   time.Time     `json:"created"`
	Command   []string      `json:"command"`
	Machine   Machine       `json:"machine"`
	Workload  string        `json:"workload"`
	Seconds   float64       `json:"seconds"`
	Ops       int64         `json:"ops"`
	OpsPerSec float64       `json:"ops_per_sec"`
	Probes    []ProbeStatus `json:"probes"`
	// Missing lists the monitoring that was asked for but this machine
	// cannot provide, with the reason.
	Missing     []string           `json:"missing,omitempty"`
	EnergyJ     map[string]float64 `json:"energy_j,omitempty"`
	JPerOp      map[string]float64 `json:"energy_j_per_op,omitempty"`
	OpsPerJoule map[string]float64 `json:"ops_per_joule,omitempty"`
	MeanPowerW  map[string]float64 `json:"mean_power_w,omitempty"`
	MaxTempC    map[string]float64 `json:"max_temp_c,omitempty"`
	Throttled   []string           `json:"throttled,omitempty"`
	Timelines   []Timeline         `json:"timelines,omitempty"`
	Interrupted bool               `json:"interrupted,omitempty"`
}

// ParseEnergy reads an energy-analysis file. name is used in errors,
// which name the line and column of bad JSON; a results file given in its
// place is told apart from a broken one.
func ParseEnergy(data []byte, name string) (*Energy, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty file: want an energy-analysis JSON object", name)
	}
	if s := schemaOf(data); s == Schema {
		return nil, fmt.Errorf("%s: a results file (schema %q), not an energy-analysis file: pass it to report --input", name, s)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e Energy
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("%s: %s", name, describeJSONError(data, err))
	}
	if e.Schema != EnergySchema {
		if e.Schema == "" {
			return nil, fmt.Errorf(`%s: missing "schema": not a bitnet-bench energy-analysis file`, name)
		}
		return nil, fmt.Errorf("%s: schema %q is not supported (want %q)", name, e.Schema, EnergySchema)
	}
	return &e, nil
}

// ReadEnergyFile reads the energy-analysis file at path.
func ReadEnergyFile(path string) (*Energy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseEnergy(data, path)
}

// schemaOf returns the top-level "schema" of a JSON object, "" when there
// is none or the data is not an object.
func schemaOf(data []byte) string {
	var probe struct {
		Schema string `json:"schema"`
	}
	if json.Unmarshal(data, &probe) != nil {
		return ""
	}
	return probe.Schema
}
