package results

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Table formats: what compare --format prints on stdout after a run, one
// row per case, as llama-bench's -o md|csv|json does.
const (
	FormatText     = "text" // nothing beyond the progress lines
	FormatMarkdown = "md"
	FormatCSV      = "csv"
	FormatJSON     = "json"
)

// ParseFormat checks a --format value.
func ParseFormat(s string) (string, error) {
	switch f := strings.ToLower(strings.TrimSpace(s)); f {
	case "", FormatText:
		return FormatText, nil
	case FormatMarkdown, "markdown":
		return FormatMarkdown, nil
	case FormatCSV, FormatJSON:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want text, md, csv or json)", s)
}

// TableRow is one case of the table. Throughputs are 0 when the case has
// no such work; times are nanoseconds per op.
type TableRow struct {
	Case      string  `json:"case"`
	Op        string  `json:"op"`
	Backend   string  `json:"backend"`
	Level     string  `json:"level"`
	Threads   int     `json:"threads"`
	Status    string  `json:"status"`
	MedianNs  float64 `json:"median_ns,omitempty"`
	CIPct     float64 `json:"ci_pct,omitempty"` // the larger half-width of the interval, % of the median
	GMACps    float64 `json:"gmac_per_s,omitempty"`
	GBps      float64 `json:"gb_per_s,omitempty"`
	TokensPS  float64 `json:"tokens_per_s,omitempty"`
	Samples   int     `json:"samples"`
	Reason    string  `json:"reason,omitempty"` // why a case has no samples
	Iteration int     `json:"iterations,omitempty"`
}

// Table returns the table rows of f.
func (f *File) Table() []TableRow {
	out := make([]TableRow, 0, len(f.Cases))
	for i := range f.Cases {
		c := &f.Cases[i]
		r := TableRow{Case: c.Name, Op: c.Op, Backend: c.Backend, Level: c.Level, Threads: max(c.Threads, 1),
			Status: c.Status, Samples: len(c.SamplesNs), Reason: c.Error, Iteration: c.Iterations}
		if c.OK() {
			r.MedianNs, r.GMACps, r.GBps, r.TokensPS = c.MedianNs, c.GMACps, c.GBps, c.TokensPerS
			if c.CILowNs > 0 && c.CIHighNs > 0 {
				r.CIPct = 100 * math.Max(c.MedianNs-c.CILowNs, c.CIHighNs-c.MedianNs) / c.MedianNs
			}
		}
		out = append(out, r)
	}
	return out
}

// WriteTable writes f's table in format (md, csv or json; text writes
// nothing). Numbers are in SI units: GMAC/s, GB/s (10^9 bytes), µs.
func (f *File) WriteTable(w io.Writer, format string) error {
	rows := f.Table()
	switch format {
	case FormatText:
		return nil
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	header := []string{"case", "backend", "threads", "status", "median µs", "± %", "GMAC/s", "GB/s", "tokens/s", "samples"}
	cells := func(r TableRow) []string {
		num := func(v float64, digits int) string {
			if v <= 0 {
				return ""
			}
			return strconv.FormatFloat(v, 'f', digits, 64)
		}
		be := r.Backend
		if r.Level != "" && r.Level != r.Backend {
			be += "/" + r.Level
		}
		status := r.Status
		if r.Reason != "" && format == FormatMarkdown {
			status += ": " + r.Reason
		}
		return []string{r.Case, be, strconv.Itoa(r.Threads), status, num(r.MedianNs/1e3, 3), num(r.CIPct, 1),
			num(r.GMACps, 2), num(r.GBps, 2), num(r.TokensPS, 1), strconv.Itoa(r.Samples)}
	}
	if format == FormatCSV {
		cw := csv.NewWriter(w)
		header[4], header[5] = "median_us", "ci_pct"
		if err := cw.Write(header); err != nil {
			return err
		}
		for _, r := range rows {
			if err := cw.Write(cells(r)); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	esc := strings.NewReplacer("|", `\|`, "\n", " ")
	fmt.Fprintf(w, "| %s |\n|", strings.Join(header, " | "))
	for i := range header {
		if i >= 2 && i != 3 {
			fmt.Fprint(w, " ---: |")
		} else {
			fmt.Fprint(w, " --- |")
		}
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		c := cells(r)
		for i := range c {
			c[i] = esc.Replace(c[i])
		}
		if _, err := fmt.Fprintf(w, "| %s |\n", strings.Join(c, " | ")); err != nil {
			return err
		}
	}
	return nil
}
