// Package inputtest holds the test helpers of the packages that consume
// baselines/input (input's own tests cannot import it: it imports input).
package inputtest

import (
	"errors"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
)

// MustParse parses data as a file called name, failing the test on error.
func MustParse(t testing.TB, data []byte, name string) *input.Input {
	t.Helper()
	in, err := input.ParseInput(data, name)
	if err != nil {
		t.Fatalf("ParseInput(%s): %v\n%s", name, err, data)
	}
	return in
}

// AsInputError fails the test unless err is an *input.InputError.
func AsInputError(t testing.TB, err error) *input.InputError {
	t.Helper()
	var ie *input.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *InputError", err, err)
	}
	return ie
}
