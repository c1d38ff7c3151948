package stats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"regexp"
	"slices"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/textfmt"
	"github.com/bitnet-go/bitnet-bench/internal/jsonpos"
)

// Config holds per-case regression thresholds, read from a JSON file:
//
//	{
//	  "thresholds": [
//	    {"match": "^BitLinear/", "threshold": "3%"},
//	    {"match": "^GELU/", "threshold": 0.1}
//	  ],
//	  "default": "5%"
//	}
//
// Rules are tried in order against the case name (without "Benchmark" and
// the -N GOMAXPROCS suffix); the first whose regular expression matches
// gives the threshold, and cases no rule matches take Default. A threshold
// is a percentage string ("3%") or a fraction (0.03 or "0.03"). Both keys
// are optional; any other key is an error that names it.
type Config struct {
	// Default is the threshold of cases no rule matches, as a fraction;
	// 0 leaves it to Options.Threshold.
	Default float64
	Rules   []ThresholdRule
}

// ThresholdRule gives the cases whose names Match matches a threshold.
type ThresholdRule struct {
	Match     string
	Threshold float64 // fraction
	re        *regexp.Regexp
}

// NewThresholdRule compiles a rule; it fails on a bad regular expression or
// a threshold that is not a positive finite fraction.
func NewThresholdRule(match string, threshold float64) (ThresholdRule, error) {
	re, err := regexp.Compile(match)
	if err != nil {
		return ThresholdRule{}, fmt.Errorf("match %q: %v", match, err)
	}
	// The fraction is checked as Options checks --threshold's: a rule of
	// "1000%" (10) is as valid as --threshold 1000%.
	if !(threshold > 0) || math.IsInf(threshold, 0) {
		return ThresholdRule{}, fmt.Errorf("threshold %v: want a fraction above zero", threshold)
	}
	return ThresholdRule{Match: match, Threshold: threshold, re: re}, nil
}

// ThresholdFor returns the threshold for a case: the first matching rule's,
// else Default, else def.
func (c *Config) ThresholdFor(name string, def float64) float64 {
	if c == nil {
		return def
	}
	for _, r := range c.Rules {
		if r.re != nil && r.re.MatchString(name) {
			return r.Threshold
		}
	}
	if c.Default > 0 {
		return c.Default
	}
	return def
}

// ReadConfig reads and checks the config file at path. Errors are
// *InputError naming the file and, where it can, the line.
func ReadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		msg := err.Error()
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return nil, &input.InputError{File: path, Msg: "cannot read config: " + msg, Err: err}
	}
	return ParseConfig(data, path)
}

// ParseConfig reads a config from data; name is used in errors.
func ParseConfig(data []byte, name string) (*Config, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	bad := func(off int64, format string, args ...any) error {
		ie := &input.InputError{File: name, Msg: fmt.Sprintf(format, args...)}
		if off >= 0 {
			ie.Line, ie.Col = offsetLineCol(data, off)
		}
		return ie
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, bad(-1, `empty config: want a JSON object such as {"thresholds": [{"match": "^BitLinear/", "threshold": "3%%"}], "default": "5%%"}`)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return nil, configJSONError(data, name, err)
	}
	if top == nil {
		return nil, bad(-1, "config is null: want a JSON object")
	}
	if dec.More() {
		return nil, bad(dec.InputOffset(), "unexpected data after the config object")
	}
	// Decoded into a map, a repeated key ("default" twice) would keep the
	// last silently.
	if pe := jsonpos.Check(data, nil); pe != nil {
		return nil, &input.InputError{File: name, Line: pe.Line, Col: pe.Col, Msg: pe.Msg}
	}
	c := &Config{}
	for _, k := range sortedKeys(top) {
		switch k {
		case "default":
			th, err := parseConfigThreshold(top[k])
			if err != nil {
				return nil, bad(keyOffset(data, k), `"default": %v`, err)
			}
			c.Default = th
		case "thresholds":
			var rules []map[string]json.RawMessage
			if err := json.Unmarshal(top[k], &rules); err != nil {
				return nil, bad(keyOffset(data, k), `"thresholds": want a list of {"match": REGEXP, "threshold": "3%%"} objects`)
			}
			for i, r := range rules {
				where := fmt.Sprintf(`"thresholds"[%d]`, i)
				if r == nil {
					return nil, bad(keyOffset(data, k), "%s: want an object, got null", where)
				}
				for _, rk := range sortedKeys(r) {
					if rk != "match" && rk != "threshold" {
						return nil, bad(keyOffset(data, rk), `%s: unknown key %q (want "match" and "threshold")`, where, rk)
					}
				}
				var match string
				if raw, ok := r["match"]; !ok {
					return nil, bad(keyOffset(data, k), `%s: missing "match"`, where)
				} else if err := json.Unmarshal(raw, &match); err != nil {
					return nil, bad(keyOffset(data, k), `%s: "match" must be a string (a Go regular expression)`, where)
				}
				raw, ok := r["threshold"]
				if !ok {
					return nil, bad(keyOffset(data, k), `%s: missing "threshold"`, where)
				}
				th, err := parseConfigThreshold(raw)
				if err != nil {
					return nil, bad(keyOffset(data, k), `%s: %v`, where, err)
				}
				rule, err := NewThresholdRule(match, th)
				if err != nil {
					return nil, bad(keyOffset(data, k), "%s: %v", where, err)
				}
				c.Rules = append(c.Rules, rule)
			}
		default:
			return nil, bad(keyOffset(data, k), `unknown key %q (want "thresholds" and "default")`, k)
		}
	}
	return c, nil
}

// parseConfigThreshold reads "3%", "0.03" or 0.03.
func parseConfigThreshold(raw json.RawMessage) (float64, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return ParseThreshold(s)
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return ParseThreshold(n.String())
	}
	return 0, fmt.Errorf("threshold %s: want a percentage string such as \"3%%\" or a fraction such as 0.03", bytes.TrimSpace(raw))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// keyOffset finds where "key": first appears, -1 when it cannot tell.
func keyOffset(data []byte, key string) int64 {
	q, _ := json.Marshal(key)
	i := bytes.Index(data, q)
	if i < 0 {
		return -1
	}
	return int64(i)
}

func offsetLineCol(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	col = int(off) - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

func configJSONError(data []byte, name string, err error) error {
	ie := &input.InputError{File: name, Err: err}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		ie.Line, ie.Col = offsetLineCol(data, syn.Offset)
		ie.Msg = "invalid JSON: " + syn.Error()
	case errors.As(err, &typ):
		ie.Line, ie.Col = offsetLineCol(data, typ.Offset)
		ie.Msg = fmt.Sprintf("got JSON %s, want an object", typ.Value)
	default:
		ie.Msg = "truncated or invalid JSON: " + err.Error()
	}
	return ie
}

// MarshalJSON writes the config in the form ParseConfig reads, thresholds
// as percentages.
func (c *Config) MarshalJSON() ([]byte, error) {
	type rule struct {
		Match     string `json:"match"`
		Threshold string `json:"threshold"`
	}
	out := struct {
		Thresholds []rule `json:"thresholds"`
		Default    string `json:"default,omitempty"`
	}{Thresholds: []rule{}}
	for _, r := range c.Rules {
		out.Thresholds = append(out.Thresholds, rule{r.Match, textfmt.Pct(r.Threshold)})
	}
	if c.Default > 0 {
		out.Default = textfmt.Pct(c.Default)
	}
	return json.Marshal(out)
}
