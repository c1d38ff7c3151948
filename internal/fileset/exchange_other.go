//go:build !linux && !darwin

package fileset

import "errors"

// exchange is not available here: the set is replaced file by file.
func exchange(a, b string) error {
	return errors.New("this OS has no atomic exchange of two directories")
}
