package gemm

// goKernels is the portable micro-kernel: a 4×16 tile in plain Go. It is the
// float64 path everywhere and the float32 path where AVX2+FMA is missing (or
// when tests force it).
//
// The tile's accumulators live in a small array rather than in named locals:
// the Go compiler has no SIMD and spills a 4×4 set of scalar accumulators
// anyway, and with the array each update is an independent load-multiply-add-
// store that the core overlaps freely (measured ~1.5× faster than 4×4 in
// registers). A non-transposed A is packed; a transposed one is read in place.
func goKernels[F Float]() *kernelSet[F] {
	return &kernelSet[F]{mr: 4, nr: 16, kern: kernel4x16[F], directAT: true}
}

var (
	goKernels32 = goKernels[float32]()
	goKernels64 = goKernels[float64]()
)

// kernel4x16 is the kernelFunc for mr = 4, nr = 16. It supports only the
// step layout of A (rowStride == 0).
func kernel4x16[F Float](strips, kc int, a []F, aNext, rowStride, step int, b []F, c []F, ldc int, alpha, beta F) {
	if rowStride != 0 {
		panic("gemm: kernel4x16 needs a step-major A")
	}
	for s := 0; s < strips; s++ {
		tile4x16(kc, a[s*aNext:], step, b, c[s*4*ldc:], ldc, alpha, beta)
	}
}

func tile4x16[F Float](kc int, a []F, step int, b []F, c []F, ldc int, alpha, beta F) {
	var acc [4][16]F
	b = b[:kc*16]
	o := 0
	for p := 0; p < kc; p++ {
		bp := b[p*16 : p*16+16 : p*16+16]
		ap := a[o : o+4 : o+4]
		o += step
		for r := range 4 {
			av := ap[r]
			row := &acc[r]
			row[0] += av * bp[0]
			row[1] += av * bp[1]
			row[2] += av * bp[2]
			row[3] += av * bp[3]
			row[4] += av * bp[4]
			row[5] += av * bp[5]
			row[6] += av * bp[6]
			row[7] += av * bp[7]
			row[8] += av * bp[8]
			row[9] += av * bp[9]
			row[10] += av * bp[10]
			row[11] += av * bp[11]
			row[12] += av * bp[12]
			row[13] += av * bp[13]
			row[14] += av * bp[14]
			row[15] += av * bp[15]
		}
	}
	for r := range 4 {
		cr := c[r*ldc : r*ldc+16 : r*ldc+16]
		if beta == 0 {
			for j, v := range acc[r] {
				cr[j] = alpha * v
			}
			continue
		}
		for j, v := range acc[r] {
			cr[j] = alpha*v + beta*cr[j]
		}
	}
}
