package vecmath

//go:noescape
func widenAVX(dst *float64, src *float32, n int)

//go:noescape
func narrowAVX(dst *float32, src *float64, n int)
