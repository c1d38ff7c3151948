package cpu

import "unsafe"

// int8sAsBytes views an []int8 as []byte; the two have the same layout.
func int8sAsBytes(s []int8) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}
