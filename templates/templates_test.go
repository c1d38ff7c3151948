package templates

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

func TestParsed(t *testing.T) {
	for name, tmpl := range map[string]any{"report": Report, "history": History} {
		if tmpl == nil {
			t.Fatalf("%s template not parsed", name)
		}
	}
	for _, name := range []string{"head", "chart", "foot", "theme-toggle"} {
		if pages.Lookup(name) == nil {
			t.Errorf("layout template %q missing", name)
		}
	}
	if !strings.Contains(CSS, "--surface") || !strings.Contains(CSS, `html[data-theme="dark"]`) || !strings.Contains(CSS, "@media print") {
		t.Error("CSS lacks the theme variables or the print layout")
	}
	if !strings.Contains(JS, "echarts.init") || !strings.Contains(JS, "data-charts-drawn") {
		t.Error("JS does not draw charts or report them")
	}
	for name, s := range map[string]string{"CSS": CSS, "JS": JS, "ECharts": EChartsJS} {
		// Inlined into <style> or <script>: nothing may end the element
		// early or open an HTML comment inside it.
		l := strings.ToLower(s)
		if strings.Contains(l, "</style") || strings.Contains(l, "</script") || strings.Contains(l, "<!--") {
			t.Errorf("%s would close its own element", name)
		}
	}
}

// The embedded ECharts is the file gen_echarts.go fetched: its hashes match
// the recorded ones and it says it is that version.
func TestEChartsEmbedded(t *testing.T) {
	sum := sha256.Sum256([]byte(EChartsJS))
	if got := hex.EncodeToString(sum[:]); got != EChartsSHA256 {
		t.Errorf("echarts.min.js sha256 = %s, recorded %s: regenerate with go generate ./templates", got, EChartsSHA256)
	}
	sri := sha512.Sum384([]byte(EChartsJS))
	if got := "sha384-" + base64.StdEncoding.EncodeToString(sri[:]); got != EChartsSRI {
		t.Errorf("echarts.min.js SRI = %s, recorded %s", got, EChartsSRI)
	}
	if !strings.Contains(EChartsJS, `.version="`+EChartsVersion+`"`) {
		t.Errorf("echarts.min.js does not declare version %s", EChartsVersion)
	}
	if !strings.Contains(EChartsLicense, "Apache License") || !strings.Contains(EChartsLicense, "Apache ECharts") {
		t.Error("echarts.LICENSE lacks the licence or the notice")
	}
	if !strings.HasSuffix(EChartsCDNURL, "/echarts@"+EChartsVersion+"/dist/echarts.min.js") {
		t.Errorf("CDN URL %s is not the pinned version", EChartsCDNURL)
	}
	// go:generate names the same version.
	src, err := os.ReadFile("templates.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "//go:generate go run gen_echarts.go -version "+EChartsVersion+"\n") {
		t.Error("the go:generate line names another version than the embedded one")
	}
}

// The ECharts version is the one the go-echarts release in go.mod targets:
// its documentation names it ("we support echarts' version is `v5.4.3`").
func TestEChartsVersionMatchesGoEcharts(t *testing.T) {
	const mod = "github.com/go-echarts/go-echarts/v2"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == mod && d.Version != GoEchartsVersion {
				t.Errorf("go.mod requires %s %s, the pages were made for %s: regenerate ECharts for it", mod, d.Version, GoEchartsVersion)
			}
		}
	}
	gobin := filepath.Join(goroot(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	out, err := exec.Command(gobin, "list", "-m", "-f", "{{.Version}} {{.Dir}}", mod).Output()
	if err != nil {
		t.Skipf("go list -m %s: %v (needs the module cache)", mod, err)
	}
	version, dir, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if version != GoEchartsVersion {
		t.Errorf("go.mod has %s %s, want %s", mod, version, GoEchartsVersion)
	}
	doc, err := os.ReadFile(filepath.Join(dir, "docs", "en-us", "dive-into.md"))
	if err != nil {
		t.Skipf("go-echarts documentation not in the module cache: %v", err)
	}
	m := regexp.MustCompile("we support echarts' version is `v([0-9.]+)`").FindSubmatch(doc)
	if m == nil {
		t.Fatalf("%s/docs/en-us/dive-into.md no longer names the ECharts version it supports", dir)
	}
	if string(m[1]) != EChartsVersion {
		t.Errorf("go-echarts %s targets ECharts %s, the pages embed %s", version, m[1], EChartsVersion)
	}
}

func goroot() string {
	if r := os.Getenv("GOROOT"); r != "" {
		return r
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// The template loads ECharts with one script element, inline or by URL.
func TestOneEChartsScript(t *testing.T) {
	data, err := pageFiles.ReadFile("layout.html.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), `<script id="echarts-lib"`); n != 2 { // the two branches of one {{if}}
		t.Errorf("layout has %d ECharts script tags, want the inline and the CDN branch", n)
	}
	for _, name := range []string{"report.html.tmpl", "history.html.tmpl"} {
		page, err := pageFiles.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(page), "<script src") || !strings.Contains(string(page), `{{template "head" .}}`) {
			t.Errorf("%s loads a script of its own or not the shared head", name)
		}
	}
}
