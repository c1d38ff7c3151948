package jsonpos

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type inner struct {
	A int               `json:"a"`
	M map[string]string `json:"m,omitempty"`
}

type embedded struct {
	E string `json:"e"`
}

type outer struct {
	embedded
	Name  string          `json:"name"`
	List  []inner         `json:"list"`
	Ptr   *inner          `json:"ptr"`
	Any   any             `json:"any"`
	Raw   json.RawMessage `json:"raw"`
	When  time.Time       `json:"when"`
	Plain int
	skip  int
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		data, want string // want: "" for none, else "line:col: msg" prefix
	}{
		{`{"name": "x", "list": [{"a": 1, "m": {"k": "v"}}], "ptr": {"a": 2}, "e": "y", "Plain": 1, "plain": 2}`, `1:91: key "plain" appears twice`},
		{`{"name": "x", "list": [{"a": 1, "m": {"k": "v"}}], "ptr": {"a": 2}, "e": "y", "Plain": 1}`, ""},
		{`{"NAME": "x", "any": {"free": {"x": 1}}, "raw": {"y": 1}, "when": "2026-01-01T00:00:00Z"}`, ""},
		{"{\n  \"name\": \"x\",\n  \"list\": [\n    {\"a\": 1},\n    {\"a\": 1, \"b\": 2}\n  ]\n}", `5:14: unknown field "b"`},
		{"{\"ptr\": {\"a\": 1,\n \"zz\": 1}}", `2:2: unknown field "zz"`},
		{`{"list": [{"m": {"k": "v", "k": "w"}}]}`, `1:28: key "k" appears twice`},
		{`{"any": {"x": 1, "x": 2}}`, `1:18: key "x" appears twice`},
		{`{"skip": 1}`, `1:2: unknown field "skip"`},
		{`{"name": "a\"b", "n\"q": 1}`, `1:18: unknown field "n\"q"`},
		{`{"name": `, ""}, // a syntax error is encoding/json's to report
	} {
		err := Check([]byte(tc.data), &outer{})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
			t.Errorf("Check(%s) = %q, want %q", tc.data, got, tc.want)
		}
	}
	if err := Check([]byte(`{"default": "5%", "default": "50%"}`), nil); err == nil || err.Path != "default" {
		t.Errorf("untyped: %v, want the repeated default", err)
	}
}
