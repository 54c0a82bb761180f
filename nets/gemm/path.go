package gemm

import "github.com/ctdtui/ctdtui/internal/simd"

// path is the float32 implementation in use: simd.Detected unless a test or
// benchmark forced another with SetPath.
var path = usable(simd.Detected)

// usable is l where this build has kernels for it, else the best below.
func usable(l simd.Level) simd.Level {
	switch {
	case l >= simd.AVX512 && hasAVX512:
		return simd.AVX512
	case l >= simd.AVX2 && hasAVX2:
		return simd.AVX2
	}
	return simd.Go
}

// Path is the float32 implementation Gemm uses.
func Path() simd.Level { return path }

// SetPath makes Gemm use level l for float32 (or the best level below it that
// this machine runs) and returns the level it used before. It is for tests and
// benchmarks that compare paths; it must not race with running products.
func SetPath(l simd.Level) simd.Level {
	old := path
	path = usable(l)
	return old
}
