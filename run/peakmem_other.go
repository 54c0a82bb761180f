//go:build !unix

package run

// PeakMemoryMB is unknown on this platform.
func PeakMemoryMB() float64 { return 0 }
