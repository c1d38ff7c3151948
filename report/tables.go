package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"strings"
)

// The long tables (every case, the regression table) travel as JSON and the
// page script shows one page of rows at a time, with a filter, so a results
// file of thousands of cases keeps the document small. The script sets
// every string with textContent: nothing in a cell is parsed as HTML.

// cell is one table cell.
type cell struct {
	T string `json:"t"`           // text
	S string `json:"s,omitempty"` // a second, muted line
	H string `json:"h,omitempty"` // title shown on hover
	B string `json:"b,omitempty"` // CSS class: set the text as a badge
	R string `json:"r,omitempty"` // a reason line under the badge
	// K is the value the column sorts by where the text alone would not
	// sort right (durations in mixed units); nil sorts by the text.
	K *float64 `json:"k,omitempty"`
}

// key returns a sort key for a cell, nil for a value that is absent.
func key(v float64) *float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// tableRow is one row: its CSS class and cells.
type tableRow struct {
	C string `json:"c,omitempty"`
	D []cell `json:"d"`
}

func (p *Page) tableData() (template.JS, error) {
	t := map[string][]tableRow{"cases": caseRows(p.Cases)}
	if p.Comparison != nil {
		t["comparison"] = comparisonRows(p.Comparison.Rows)
	}
	data, err := json.Marshal(t) // escapes <, > and &
	if err != nil {
		return "", fmt.Errorf("report: table data: %w", err)
	}
	return template.JS(data), nil
}

func caseRows(cs []CaseRow) []tableRow {
	out := make([]tableRow, 0, len(cs))
	for _, r := range cs {
		var sub []string
		for _, s := range []string{r.Shape, r.DType, r.Threads} {
			if s != "" {
				sub = append(sub, s)
			}
		}
		status := cell{T: r.StatusLabel, B: "badge " + r.StatusClass}
		if r.Status != "ok" {
			status.R = r.Reason
		}
		out = append(out, tableRow{C: r.StatusClass, D: []cell{
			{T: r.Name, S: strings.Join(sub, " · ")},
			{T: r.Op, S: r.Family},
			{T: r.Variant},
			status,
			{T: r.Median, H: r.MedianTitle, K: key(r.medianNs)},
			{T: r.CI, H: r.CITitle},
			{T: r.GBps},
			{T: r.GMACps},
			{T: r.Tokens, K: key(r.tokens)},
			{T: r.Roof, H: r.RoofTitle},
		}})
	}
	return out
}

func comparisonRows(rs []ComparisonRow) []tableRow {
	out := make([]tableRow, 0, len(rs))
	for _, r := range rs {
		ratio := cell{T: r.Ratio}
		var sub []string
		if r.Change != "" {
			sub = append(sub, r.Change)
		}
		if r.RatioCI != "" {
			sub = append(sub, r.RatioCI)
		}
		ratio.S = strings.Join(sub, " ")
		out = append(out, tableRow{C: r.VerdictClass, D: []cell{
			{T: r.Name, S: r.Note},
			{T: r.Unit},
			{T: r.Baseline, H: r.BaselineTitle, K: key(r.baseline)},
			{T: r.Current, H: r.CurrentTitle, K: key(r.current)},
			ratio,
			{T: r.P, K: key(r.p)},
			{T: r.Verdict, B: "verdict " + r.VerdictClass},
		}})
	}
	return out
}
