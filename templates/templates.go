// Package templates holds the files of the HTML report, embedded so that the
// bitnet-bench binary needs nothing beside it at run time. It lives apart from
// package report because go:embed cannot reach into a parent folder.
package templates

import (
	_ "embed"
	"html/template"
)

var (
	//go:embed report.html.tmpl
	reportHTML string

	// CSS is the report's style sheet, inlined into the page so that the
	// report is a single file.
	//
	//go:embed report.css
	CSS string

	// JS is the page script: it draws the charts from the JSON options the
	// page carries and filters the case table.
	//
	//go:embed report.js
	JS string
)

// Report is the page template, parsed once. Its data is a *report.Page.
// html/template templates are safe for concurrent Execute calls.
var Report = template.Must(template.New("report.html.tmpl").Parse(reportHTML))

// EChartsURL is where the page loads ECharts from: the go-echarts default
// asset host. The template names it in its single <script src> tag; this
// copy lets tests check the two agree.
const EChartsURL = "https://go-echarts.github.io/go-echarts-assets/assets/echarts.min.js"
