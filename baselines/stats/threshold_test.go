package stats

import (
	"strings"
	"testing"
)

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr string // substring; "" means success
	}{
		{"0.05", 0.05, ""},
		{"5%", 0.05, ""},
		{"5.5%", 0.055, ""},
		{" 5 % ", 0.05, ""},
		{"0.5%", 0.005, ""},
		{"1e-2", 0.01, ""},
		{"150%", 1.5, ""},
		{"0.999", 0.999, ""},
		{"5", 0, `did you mean 5% (0.05)?`},
		{"1", 0, "did you mean 1%"},
		{"12.5", 0, "did you mean 12.5%"},
		{"-0.05", 0, "must not be negative"},
		{"-5%", 0, "must not be negative"},
		{"0", 0, "must be above zero"},
		{"0%", 0, "must be above zero"},
		{"NaN", 0, "not a number"},
		{"nan%", 0, "not a number"},
		{"Inf", 0, "not a number"},
		{"+Inf%", 0, "not a number"},
		{"", 0, "want a fraction"},
		{"   ", 0, "want a fraction"},
		{"%", 0, "want a fraction"},
		{"abc", 0, "not a number"},
		{"5%%", 0, "not a number"},
		{"5 5%", 0, "not a number"},
		{"0.05.1", 0, "not a number"},
	}
	for _, tt := range tests {
		got, err := ParseThreshold(tt.in)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ParseThreshold(%q): %v", tt.in, err)
		case tt.wantErr == "" && !closeTo(got, tt.want, 1e-12):
			t.Errorf("ParseThreshold(%q) = %v, want %v", tt.in, got, tt.want)
		case tt.wantErr != "" && err == nil:
			t.Errorf("ParseThreshold(%q) = %v, want an error", tt.in, got)
		case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
			t.Errorf("ParseThreshold(%q): %v, want %q", tt.in, err, tt.wantErr)
		case err != nil && !strings.Contains(err.Error(), `"`+tt.in+`"`):
			t.Errorf("ParseThreshold(%q): %v does not quote the input", tt.in, err)
		}
	}
}
