package templates

import (
	"regexp"
	"strings"
	"testing"

	"github.com/go-echarts/go-echarts/v2/charts"
)

func TestParsed(t *testing.T) {
	if Report == nil || Report.Lookup("report.html.tmpl") == nil {
		t.Fatal("report template not parsed")
	}
	if !strings.Contains(CSS, "--surface") || !strings.Contains(CSS, `html[data-theme="dark"]`) {
		t.Error("CSS lacks the theme variables")
	}
	if !strings.Contains(JS, "echarts.init") {
		t.Error("JS does not draw charts")
	}
	if strings.Contains(CSS, "</style") || strings.Contains(JS, "</script") {
		t.Error("an embedded file would close its own element")
	}
}

// The page loads ECharts with one <script src> tag, from go-echarts' default
// asset host, so that swapping it for an inlined copy is a one-line change.
func TestOneEChartsScript(t *testing.T) {
	srcs := regexp.MustCompile(`<script src="([^"]+)"></script>`).FindAllStringSubmatch(reportHTML, -1)
	if len(srcs) != 1 || srcs[0][1] != EChartsURL {
		t.Fatalf("script src tags = %v, want one for %s", srcs, EChartsURL)
	}
	bar := charts.NewBar()
	bar.Validate()
	if got := bar.JSAssets.Values; len(got) != 1 || got[0] != EChartsURL {
		t.Errorf("go-echarts default ECharts asset = %v, want %s", got, EChartsURL)
	}
}
