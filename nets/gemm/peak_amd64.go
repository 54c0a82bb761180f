//go:build amd64 && !purego

package gemm

//go:noescape
func fmaLoop256(iters int)

//go:noescape
func fmaLoop512(iters int)

// fmaLoop runs iters iterations of the register-only FMA loop of the given
// width (256 or 512 bits) and returns the FLOPs it performed, or 0 when the
// CPU lacks that width.
func fmaLoop(bits, iters int) float64 {
	switch {
	case bits == 256 && hasAVX2:
		fmaLoop256(iters)
		return float64(iters) * 12 * 8 * 2
	case bits == 512 && hasAVX512:
		fmaLoop512(iters)
		return float64(iters) * 16 * 16 * 2
	}
	return 0
}
