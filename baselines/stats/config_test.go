package stats

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    map[string]float64 // case name -> threshold, with a default of 0.05
		wantErr string             // substring; "" for success
		line    int                // line of the error, 0 to skip the check
	}{
		{
			name: "rules and default",
			data: `{"thresholds": [{"match": "^BitLinear/", "threshold": "3%"}, {"match": "^GELU", "threshold": 0.1}], "default": "7%"}`,
			want: map[string]float64{"BitLinear/2560x2560/b1/i2/avx2": 0.03, "GELU/2560/b1": 0.1, "MatMul/8x8": 0.07},
		},
		{
			name: "first matching rule wins",
			data: `{"thresholds": [{"match": "2560", "threshold": "2%"}, {"match": "^BitLinear/", "threshold": "3%"}]}`,
			want: map[string]float64{"BitLinear/2560x2560": 0.02, "BitLinear/640x2560x": 0.02, "BitLinear/64x128": 0.03, "Other": 0.05},
		},
		{name: "empty object", data: `{}`, want: map[string]float64{"A": 0.05}},
		{name: "fraction as a string", data: `{"default": "0.04"}`, want: map[string]float64{"A": 0.04}},
		{name: "BOM", data: "\xef\xbb\xbf{\"default\": \"4%\"}", want: map[string]float64{"A": 0.04}},
		{name: "unknown top-level key", data: "{\n  \"thresholds\": [],\n  \"treshold\": \"5%\"\n}", wantErr: `unknown key "treshold"`, line: 3},
		{name: "unknown rule key", data: `{"thresholds": [{"match": "A", "threshold": "3%", "unit": "sec/op"}]}`, wantErr: `"thresholds"[0]: unknown key "unit"`},
		{name: "missing match", data: `{"thresholds": [{"threshold": "3%"}]}`, wantErr: `missing "match"`},
		{name: "missing threshold", data: `{"thresholds": [{"match": "A"}]}`, wantErr: `missing "threshold"`},
		{name: "bad regexp", data: `{"thresholds": [{"match": "(", "threshold": "3%"}]}`, wantErr: "missing closing )"},
		{name: "match not a string", data: `{"thresholds": [{"match": 3, "threshold": "3%"}]}`, wantErr: `"match" must be a string`},
		{name: "negative threshold", data: `{"default": "-5%"}`, wantErr: "must not be negative"},
		{name: "zero threshold", data: `{"default": 0}`, wantErr: "must be above zero"},
		{name: "fraction of 1 or more", data: `{"default": 5}`, wantErr: "did you mean 5%"},
		{name: "rule of 1000% as --threshold 1000% takes it", data: `{"thresholds": [{"match": "A", "threshold": "1000%"}], "default": "1000%"}`, want: map[string]float64{"A": 10, "B": 10}},
		{name: "default given twice", data: "{\"default\": \"5%\",\n \"default\": \"50%\"}", wantErr: `key "default" appears twice`, line: 2},
		{name: "match given twice", data: `{"thresholds": [{"match": "A", "match": "B", "threshold": "3%"}]}`, wantErr: `key "match" appears twice`, line: 1},
		{name: "threshold of the wrong type", data: `{"default": true}`, wantErr: "want a percentage string"},
		{name: "thresholds not a list", data: `{"thresholds": {"match": "A"}}`, wantErr: "want a list"},
		{name: "null rule", data: `{"thresholds": [null]}`, wantErr: "got null"},
		{name: "empty", data: " \n", wantErr: "empty config"},
		{name: "null", data: "null", wantErr: "config is null"},
		{name: "array", data: "[]", wantErr: "want an object"},
		{name: "syntax error", data: "{\n\"default\": \"5%\",\n}", wantErr: "invalid JSON", line: 3},
		{name: "truncated", data: `{"default": "5%"`, wantErr: "JSON"},
		{name: "two objects", data: `{} {}`, wantErr: "unexpected data after the config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tt.data), "cfg.json")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "cfg.json") {
					t.Fatalf("error %v, want one naming cfg.json and %q", err, tt.wantErr)
				}
				if ie := asInputError(t, err); tt.line > 0 && ie.Line != tt.line {
					t.Errorf("error on line %d, want %d: %v", ie.Line, tt.line, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tt.want {
				if got := c.ThresholdFor(name, 0.05); got != want {
					t.Errorf("ThresholdFor(%q) = %v, want %v", name, got, want)
				}
			}
		})
	}
	var nilCfg *Config
	if nilCfg.ThresholdFor("A", 0.05) != 0.05 {
		t.Error("a nil config does not give the default")
	}
}

func TestConfigRoundTrip(t *testing.T) {
	c, err := ParseConfig([]byte(`{"thresholds": [{"match": "^A$", "threshold": "2.5%"}, {"match": "B", "threshold": 0.1}], "default": "5%"}`), "c.json")
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseConfig(data, "back.json")
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	for _, n := range []string{"A", "AB", "C"} {
		if a, b := c.ThresholdFor(n, 0.01), back.ThresholdFor(n, 0.01); a != b {
			t.Errorf("%s: %v before, %v after a round trip through\n%s", n, a, b, data)
		}
	}
}

func TestReadConfigMissing(t *testing.T) {
	_, err := ReadConfig(filepath.Join(t.TempDir(), "none.json"))
	if ie := asInputError(t, err); !strings.Contains(ie.Msg, "cannot read config") {
		t.Errorf("%v", err)
	}
}

// TestCompareWithConfig: per-case thresholds decide the verdicts.
func TestCompareWithConfig(t *testing.T) {
	base := benchLines("", "ns/op", map[string][]float64{"Tight/A": tight(1000, 10), "Loose/B": tight(1000, 10)}, "Tight/A", "Loose/B")
	cur := benchLines("", "ns/op", map[string][]float64{"Tight/A": tight(1040, 10), "Loose/B": tight(1080, 10)}, "Tight/A", "Loose/B")
	cfg, err := ParseConfig([]byte(`{"thresholds": [{"match": "^Tight/", "threshold": "2%"}, {"match": "^Loose/", "threshold": "10%"}]}`), "c.json")
	if err != nil {
		t.Fatal(err)
	}
	cmp := compareText(t, base, cur, Options{Config: cfg, WithinRunOnly: true})
	a, b := row(t, cmp, "Tight/A", input.UnitSecPerOp), row(t, cmp, "Loose/B", input.UnitSecPerOp)
	if a.Verdict != Regression || a.Threshold != 0.02 {
		t.Errorf("Tight/A +4%% at 2%%: %q threshold %v", a.Verdict, a.Threshold)
	}
	if b.Verdict != NoChange || b.Threshold != 0.10 || !strings.Contains(b.Reason, "within ±10%") {
		t.Errorf("Loose/B +8%% at 10%%: %q threshold %v reason %q", b.Verdict, b.Threshold, b.Reason)
	}
	if line := cmp.VerdictLine(); !strings.Contains(line, "threshold 5%, 2 cases with their own from the config") {
		t.Errorf("verdict line %q", line)
	}
	// Without the config, the 5% default flags only the 8% change.
	plain := compareText(t, base, cur, Options{WithinRunOnly: true})
	if row(t, plain, "Tight/A", input.UnitSecPerOp).Verdict != NoChange || row(t, plain, "Loose/B", input.UnitSecPerOp).Verdict != Regression {
		t.Error("without the config the 5% default should flag only the 8% change")
	}
}
