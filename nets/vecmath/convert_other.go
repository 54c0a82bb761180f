//go:build !amd64

package vecmath

func widenAVX(dst *float64, src *float32, n int)  { panic("unreachable") }
func narrowAVX(dst *float32, src *float64, n int) { panic("unreachable") }
