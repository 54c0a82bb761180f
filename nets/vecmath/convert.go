package vecmath

// Widen sets dst[i] = float64(src[i]); the lengths must match. Conversions are
// exact, so the vector and scalar paths agree bit for bit.
func Widen(dst []float64, src []float32) {
	if len(dst) != len(src) {
		panic("vecmath: Widen: length mismatch")
	}
	i := 0
	if useAsm && len(src) >= 8 {
		i = len(src) &^ 7
		widenAVX(&dst[0], &src[0], i)
	}
	for ; i < len(src); i++ {
		dst[i] = float64(src[i])
	}
}

// Narrow sets dst[i] = float32(src[i]) (rounded to nearest even); the lengths
// must match.
func Narrow(dst []float32, src []float64) {
	if len(dst) != len(src) {
		panic("vecmath: Narrow: length mismatch")
	}
	i := 0
	if useAsm && len(src) >= 8 {
		i = len(src) &^ 7
		narrowAVX(&dst[0], &src[0], i)
	}
	for ; i < len(src); i++ {
		dst[i] = float32(src[i])
	}
}
