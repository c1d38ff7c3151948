package report

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/templates"
)

// EnergyInput is what the energy page is made of: one energy-analysis file.
type EnergyInput struct {
	File   *results.Energy
	Title  string
	Theme  string
	Assets string
}

// DefaultEnergyTitle is the energy page's title when none is given.
const DefaultEnergyTitle = "bitnet-bench energy analysis"

// EnergyPage is the view model of the energy page: what ran, the energy
// per operation per channel, and the power, temperature and clock
// timelines.
type EnergyPage struct {
	Head
	Date        string
	Interrupted bool
	Facts       []Field
	Channels    []EnergyChannel
	Missing     []string // monitoring this machine could not provide, with why
	Throttled   []string
	Charts      []Chart
	Machine     []Field
	Command     string
}

// EnergyChannel is one energy source's totals (a RAPL zone, a GPU).
type EnergyChannel struct {
	Name                        string
	EnergyJ, JPerOp, OpsPerJ, W string
	MaxTempC                    string
}

// BuildEnergy computes the energy page.
func BuildEnergy(in EnergyInput) (*EnergyPage, error) {
	e := in.File
	if e == nil {
		return nil, errors.New("report: no energy-analysis file")
	}
	head, err := newHead(in.Title, in.Theme, in.Assets)
	if err != nil {
		return nil, err
	}
	p := &EnergyPage{Head: head, Interrupted: e.Interrupted, Missing: e.Missing, Throttled: e.Throttled,
		Machine: machineFields(e.Machine, e.Tool.GoVersion), Command: shellQuote(e.Command)}
	if p.Title == "" {
		p.Title = DefaultEnergyTitle
	}
	p.Tool = "bitnet-bench"
	if t := e.Tool.Name + " " + e.Tool.Version; e.Tool.Name != "" {
		p.Tool = t
	}
	if !e.Created.IsZero() {
		p.Date = e.Created.Format("2006-01-02 15:04:05 MST")
	}
	p.Facts = []Field{
		{"Workload", e.Workload},
		{"Duration", sig(e.Seconds, 3) + " s"},
		{"Operations", strconv.FormatInt(e.Ops, 10)},
		{"Operations per second", sig(e.OpsPerSec, 4)},
	}
	if e.Ops > 0 && e.Seconds > 0 {
		p.Facts = append(p.Facts, Field{"Time per operation", fmtNs(e.Seconds / float64(e.Ops) * 1e9)})
	}
	chans := map[string]bool{}
	for _, m := range []map[string]float64{e.EnergyJ, e.MeanPowerW, e.MaxTempC} {
		for k := range m {
			chans[k] = true
		}
	}
	orDash := func(m map[string]float64, k string, f func(float64) string) string {
		if v, ok := m[k]; ok && v > 0 {
			return f(v)
		}
		return dash
	}
	three := func(v float64) string { return sig(v, 3) }
	for _, ch := range slices.Sorted(maps.Keys(chans)) {
		p.Channels = append(p.Channels, EnergyChannel{
			Name:     ch,
			EnergyJ:  orDash(e.EnergyJ, ch, three),
			JPerOp:   orDash(e.JPerOp, ch, func(v float64) string { return fmt.Sprintf("%.3g", v) }),
			OpsPerJ:  orDash(e.OpsPerJoule, ch, three),
			W:        orDash(e.MeanPowerW, ch, three),
			MaxTempC: orDash(e.MaxTempC, ch, three),
		})
	}
	var tls []timeline
	for _, tl := range e.Timelines {
		tls = append(tls, timeline{tl.Name, tl.Unit, tl.Points})
	}
	t := telemetry{Timelines: tls}
	for i, u := range []string{unitWatt, unitCelsius, unitMHz, unitJoule} {
		if tls := t.timelines(u); len(tls) > 0 {
			spec, ch := timelineChart(fmt.Sprintf("chart-energy-timeline-%d", i), tls, u)
			p.addChart(spec)
			p.Charts = append(p.Charts, ch)
		}
	}
	if err := p.finishCharts(); err != nil {
		return nil, err
	}
	return p, nil
}

// Render writes the energy page's HTML to w.
func (p *EnergyPage) Render(w io.Writer) error {
	return templates.Energy.Execute(w, p)
}

// WriteEnergyFile builds the energy page and writes it to path atomically.
func WriteEnergyFile(path string, in EnergyInput) error {
	p, err := BuildEnergy(in)
	if err != nil {
		return err
	}
	return writeRendered(path, p.Render)
}
