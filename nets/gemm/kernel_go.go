package gemm

// goKernels is the portable micro-kernel: a 4×4 register tile in plain Go.
// It is the float64 path everywhere and the float32 path where AVX2+FMA is
// missing (or when tests force it).
func goKernels[F Float]() *kernelSet[F] {
	return &kernelSet[F]{mr: 4, nr: 4, kern: kernel4x4[F], directA: true}
}

var (
	goKernels32 = goKernels[float32]()
	goKernels64 = goKernels[float64]()
)

// kernel4x4 is the kernelFunc for mr = nr = 4.
func kernel4x4[F Float](kc int, a []F, rowStride, step int, b []F, c []F, ldc int, alpha, beta F) {
	if rowStride == 0 {
		rowStride = 1
	} else {
		step = 1
	}
	var c00, c01, c02, c03 F
	var c10, c11, c12, c13 F
	var c20, c21, c22, c23 F
	var c30, c31, c32, c33 F
	b = b[:kc*4]
	o := 0
	for p := 0; p < kc; p++ {
		bp := b[p*4 : p*4+4 : p*4+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := a[o]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := a[o+rowStride]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := a[o+2*rowStride]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := a[o+3*rowStride]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		o += step
	}
	store4(c[0:4:4], alpha, beta, c00, c01, c02, c03)
	store4(c[ldc:ldc+4:ldc+4], alpha, beta, c10, c11, c12, c13)
	store4(c[2*ldc:2*ldc+4:2*ldc+4], alpha, beta, c20, c21, c22, c23)
	store4(c[3*ldc:3*ldc+4:3*ldc+4], alpha, beta, c30, c31, c32, c33)
}

func store4[F Float](c []F, alpha, beta F, v0, v1, v2, v3 F) {
	c = c[:4]
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*v0, alpha*v1, alpha*v2, alpha*v3
		return
	}
	c[0] = alpha*v0 + beta*c[0]
	c[1] = alpha*v1 + beta*c[1]
	c[2] = alpha*v2 + beta*c[2]
	c[3] = alpha*v3 + beta*c[3]
}
