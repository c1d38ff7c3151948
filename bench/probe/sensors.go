package probe

import (
	"fmt"
	"strings"

	"github.com/shirou/gopsutil/v3/host"
)

func init() { register("hwmon", "temperature", openSensors) }

// sensorSource reads temperatures through gopsutil (Linux hwmon and
// thermal zones, macOS SMC where gopsutil supports it).
type sensorSource struct{}

func openSensors() (Source, []string, error) {
	temps, err := host.SensorsTemperatures()
	if len(temps) == 0 {
		if err != nil {
			return nil, nil, fmt.Errorf("no temperature sensors: %v", err)
		}
		return nil, nil, fmt.Errorf("no temperature sensors exposed (no hwmon or thermal zones)")
	}
	var names []string
	for _, t := range temps {
		names = append(names, t.SensorKey)
	}
	return sensorSource{}, names, nil
}

func (sensorSource) Name() string { return "hwmon" }

func (sensorSource) Read() (Reading, error) {
	temps, err := host.SensorsTemperatures()
	var r Reading
	for _, t := range temps {
		r.set(&r.TempC, strings.TrimSpace(t.SensorKey), t.Temperature)
	}
	if len(temps) == 0 && err != nil {
		return r, err
	}
	return r, nil
}

func (sensorSource) Close() error { return nil }
