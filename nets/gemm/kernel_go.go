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
		// One half of the B row in registers, updated into each row's
		// accumulators in turn: one load and one store per multiply-add.
		{
			b0, b1, b2, b3, b4, b5, b6, b7 := bp[0], bp[1], bp[2], bp[3], bp[4], bp[5], bp[6], bp[7]
			for r := range 4 {
				av := ap[r]
				row := (*[8]F)(acc[r][0:8])
				row[0] += av * b0
				row[1] += av * b1
				row[2] += av * b2
				row[3] += av * b3
				row[4] += av * b4
				row[5] += av * b5
				row[6] += av * b6
				row[7] += av * b7
			}
		}
		{
			b0, b1, b2, b3, b4, b5, b6, b7 := bp[8], bp[9], bp[10], bp[11], bp[12], bp[13], bp[14], bp[15]
			for r := range 4 {
				av := ap[r]
				row := (*[8]F)(acc[r][8:16])
				row[0] += av * b0
				row[1] += av * b1
				row[2] += av * b2
				row[3] += av * b3
				row[4] += av * b4
				row[5] += av * b5
				row[6] += av * b6
				row[7] += av * b7
			}
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
