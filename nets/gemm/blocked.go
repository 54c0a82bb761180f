package gemm

import (
	"sync"
	"unsafe"
)

// Cache blocking. A kc×nc block of op(B) is packed once per (jc, pc) and
// stays in L2/L3; an mc×kc block of op(A) is packed (or, for a row-major A
// with alpha folded into the kernel, addressed in place) and stays in L2;
// each kc×nr micro-panel of B stays in L1 while the micro-kernel sweeps the
// mr-row strips of the A block over it.
const (
	kcMax = 256  // depth of one pass; k is split into equal passes of at most kcMax
	mcMax = 144  // rows of A per block (a multiple of every mr used)
	ncMax = 1536 // columns of B per block (a multiple of every nr used)
)

// kernelFunc computes strips ≥ 1 vertically adjacent mr×nr tiles of C
// against one packed kc×nr panel of B (kc ≥ 1): for s < strips,
// C[s·mr:(s+1)·mr, 0:nr] = alpha·A_s·B + beta·C[...], with C row-major with
// stride ldc. A_s starts at a[s·aNext]; when rowStride == 0 the mr values of
// its step p are consecutive at a[s·aNext + p·step] (packed A: step = mr;
// transposed A in place: step = lda); otherwise A_s is row-major with rows
// rowStride apart (step unused). beta == 0 must not read C.
type kernelFunc[F Float] func(strips, kc int, a []F, aNext, rowStride, step int, b []F, c []F, ldc int, alpha, beta F)

// kernelSet describes one micro-kernel and how the driver feeds it.
type kernelSet[F Float] struct {
	mr, nr int
	kern   kernelFunc[F]
	// directA and directAT let full strips of a non-transposed (directA) or
	// transposed (directAT) A be read in place instead of being packed.
	directA, directAT bool
	// packB, if set, packs a full nr-wide panel of a non-transposed B: rows
	// pc..pc+kb, columns j0..j0+nr, into panel.
	packB func(b []F, ldb, j0, pc, kb int, panel []F)
	// packBT, if set, packs a full nr-wide panel of a transposed B: rows
	// j0..j0+nr of B, steps pc..pc+kb, into panel (a faster packB).
	packBT func(b []F, ldb, j0, pc, kb int, panel []F)
}

// workspace holds the packing buffers of one Gemm call, and a scratch panel
// (mc×nr) for tiles that are only partly inside C.
type workspace[F Float] struct {
	a, b, tile []F
}

// wsCache recycles workspaces so that steady-state calls do not allocate and
// concurrent calls never share one. Unlike a sync.Pool it is not emptied by
// the garbage collector: re-creating the buffers (hundreds of KiB, first
// touched page by page) would cost as much as a small product. It holds at
// most as many workspaces as there were concurrent calls.
type wsCache[F Float] struct {
	mu   sync.Mutex
	free []*workspace[F]
}

func (w *wsCache[F]) get() *workspace[F] {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := len(w.free); n > 0 {
		ws := w.free[n-1]
		w.free = w.free[:n-1]
		return ws
	}
	return new(workspace[F])
}

func (w *wsCache[F]) put(ws *workspace[F]) {
	w.mu.Lock()
	w.free = append(w.free, ws)
	w.mu.Unlock()
}

var (
	cache32 wsCache[float32]
	cache64 wsCache[float64]
)

func cacheFor[F Float]() *wsCache[F] {
	var z F
	if unsafe.Sizeof(z) == 4 {
		return any(&cache32).(*wsCache[F])
	}
	return any(&cache64).(*wsCache[F])
}

// alignedSlice returns a slice of length n whose first element is 64-byte
// aligned (one packed B row of 16 float32 then fills exactly one cache line),
// reusing buf, a previous result, when it is large enough.
func alignedSlice[F Float](buf []F, n int) []F {
	if cap(buf) >= n && cap(buf) > 0 && uintptr(unsafe.Pointer(&buf[:1][0]))%64 == 0 {
		return buf[:n]
	}
	var z F
	size := int(unsafe.Sizeof(z))
	pad := 64 / size
	buf = make([]F, n+pad)
	off := int(uintptr(unsafe.Pointer(&buf[0]))%64) / size
	if off != 0 {
		off = pad - off
	}
	return buf[off : off+n : off+n+pad-off]
}

// blocked runs the GotoBLAS/BLIS loop nest around ks.kern. Shapes are
// already checked; m, n > 0.
func blocked[F Float](ks *kernelSet[F], transA, transB bool, m, n, k int, alpha F, a []F, lda int, b []F, ldb int, beta F, c []F, ldc int) {
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	mr, nr := ks.mr, ks.nr
	passes := (k + kcMax - 1) / kcMax
	kc := (k + passes - 1) / passes
	nc := min(ncMax, roundUp(n, nr))
	mc := min(mcMax, roundUp(m, mr))

	cache := cacheFor[F]()
	ws := cache.get()
	defer cache.put(ws)
	ws.b = alignedSlice(ws.b, kc*nc)
	ws.a = alignedSlice(ws.a, kc*mc)
	ws.tile = alignedSlice(ws.tile, roundUp(mc, mr)*nr)
	bufA, bufB, tile := ws.a, ws.b, ws.tile
	direct := (ks.directA && !transA) || (ks.directAT && transA)

	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			betaPass := beta
			if pc > 0 {
				betaPass = 1
			}
			packB(ks, transB, b, ldb, pc, jc, kb, nb, bufB)
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				fullStrips := mb / mr
				if direct {
					// Only the ragged last strip needs packing (zero padded).
					if mb%mr != 0 {
						packA(transA, a, lda, pc, ic+fullStrips*mr, kb, mb%mr, mr, bufA)
					}
				} else {
					packA(transA, a, lda, pc, ic, kb, mb, mr, bufA)
				}
				// Where the full strips of this A block start and how they
				// are laid out; a ragged last strip is always packed.
				var aBlock []F
				aNext, rowStride, step := kb*mr, 0, mr
				switch {
				case direct && transA:
					aBlock, aNext, step = a[pc*lda+ic:], mr, lda
				case direct:
					aBlock, aNext, rowStride = a[ic*lda+pc:], mr*lda, lda
				default:
					aBlock = bufA
				}
				rest := mb - fullStrips*mr
				restA := bufA
				if !direct {
					restA = bufA[fullStrips*kb*mr:]
				}
				for jr := 0; jr < nb; jr += nr {
					cols := min(nr, nb-jr)
					panel := bufB[(jr/nr)*kb*nr:]
					cBlock := c[ic*ldc+jc+jr:]
					if fullStrips > 0 {
						if cols == nr {
							ks.kern(fullStrips, kb, aBlock, aNext, rowStride, step, panel, cBlock, ldc, alpha, betaPass)
						} else {
							// Ragged last panel: through the scratch panel.
							ks.kern(fullStrips, kb, aBlock, aNext, rowStride, step, panel, tile, nr, alpha, 0)
							mergeTile(fullStrips*mr, cols, tile, nr, betaPass, cBlock, ldc)
						}
					}
					if rest > 0 {
						ks.kern(1, kb, restA, kb*mr, 0, mr, panel, tile, nr, alpha, 0)
						mergeTile(rest, cols, tile, nr, betaPass, cBlock[fullStrips*mr*ldc:], ldc)
					}
				}
			}
		}
	}
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// scaleC sets C = beta·C (beta == 0 clears, so NaNs in C do not survive).
func scaleC[F Float](m, n int, beta F, c []F, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(ci)
		case 1:
		default:
			for j := range ci {
				ci[j] *= beta
			}
		}
	}
}

// mergeTile adds a partial tile computed into a scratch buffer: C = T + beta·C.
func mergeTile[F Float](rows, cols int, t []F, ldt int, beta F, c []F, ldc int) {
	for i := 0; i < rows; i++ {
		ti := t[i*ldt : i*ldt+cols]
		ci := c[i*ldc : i*ldc+cols]
		if beta == 0 {
			copy(ci, ti)
			continue
		}
		for j, v := range ti {
			ci[j] = v + beta*ci[j]
		}
	}
}

// packB copies the kb×nb block of op(B) starting at (pc, jc) into panels of
// nr columns: panel q holds columns q·nr.. as kb rows of nr contiguous values,
// the columns past nb zero.
func packB[F Float](ks *kernelSet[F], transB bool, b []F, ldb, pc, jc, kb, nb int, dst []F) {
	nr := ks.nr
	for q := 0; q*nr < nb; q++ {
		j0 := jc + q*nr
		cols := min(nr, nb-q*nr)
		panel := dst[q*kb*nr : (q+1)*kb*nr]
		if !transB {
			if cols == nr && ks.packB != nil {
				ks.packB(b, ldb, j0, pc, kb, panel)
				continue
			}
			if (nr == 16 || nr == 32) && cols == nr {
				for p := 0; p < kb; p++ {
					for q := 0; q < nr; q += 16 {
						copy16(panel[p*nr+q:p*nr+q+16:p*nr+q+16], b[(pc+p)*ldb+j0+q:(pc+p)*ldb+j0+q+16])
					}
				}
				continue
			}
			for p := 0; p < kb; p++ {
				row := panel[p*nr : p*nr+nr]
				n := copy(row, b[(pc+p)*ldb+j0:(pc+p)*ldb+j0+cols])
				clear(row[n:])
			}
			continue
		}
		// op(B)(p, j) = B[j, p]: transpose rows of B into the panel.
		if cols == nr && ks.packBT != nil {
			ks.packBT(b, ldb, j0, pc, kb, panel)
			continue
		}
		if cols < nr {
			clear(panel)
		}
		for jj := 0; jj < cols; jj++ {
			src := b[(j0+jj)*ldb+pc : (j0+jj)*ldb+pc+kb]
			for p, v := range src {
				panel[p*nr+jj] = v
			}
		}
	}
}

// packA copies the mb×kb block of op(A) starting at (ic, pc) into strips of
// mr rows: strip s holds rows s·mr.. as kb steps of mr contiguous values, the
// rows past mb zero.
func packA[F Float](transA bool, a []F, lda, pc, ic, kb, mb, mr int, dst []F) {
	if transA && (mr == 8 || mr == 6 || mr == 4) {
		// Row p of A holds step p of every strip: read it once, left to
		// right, and drop fixed-size pieces into the strips.
		full := mb / mr
		for p := 0; p < kb; p++ {
			row := a[(pc+p)*lda+ic : (pc+p)*lda+ic+mb]
			o := p * mr
			switch mr {
			case 8:
				for s := 0; s < full; s++ {
					d, r := dst[o:o+8:o+8], row[s*8:s*8+8:s*8+8]
					d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
					o += kb * 8
				}
			case 6:
				for s := 0; s < full; s++ {
					d, r := dst[o:o+6:o+6], row[s*6:s*6+6:s*6+6]
					d[0], d[1], d[2], d[3], d[4], d[5] = r[0], r[1], r[2], r[3], r[4], r[5]
					o += kb * 6
				}
			default:
				for s := 0; s < full; s++ {
					d, r := dst[o:o+4:o+4], row[s*4:s*4+4:s*4+4]
					d[0], d[1], d[2], d[3] = r[0], r[1], r[2], r[3]
					o += kb * 4
				}
			}
			if rest := mb - full*mr; rest > 0 {
				st := dst[o : o+mr]
				copy(st, row[full*mr:])
				clear(st[rest:])
			}
		}
		return
	}
	for s := 0; s*mr < mb; s++ {
		i0 := ic + s*mr
		rows := min(mr, mb-s*mr)
		strip := dst[s*kb*mr : (s+1)*kb*mr]
		if transA {
			// op(A)(i, p) = A[p, i]: each step is a contiguous run of A's row p.
			if rows == mr {
				for p := 0; p < kb; p++ {
					copy(strip[p*mr:p*mr+mr], a[(pc+p)*lda+i0:])
				}
				continue
			}
			for p := 0; p < kb; p++ {
				st := strip[p*mr : p*mr+mr]
				n := copy(st[:rows], a[(pc+p)*lda+i0:])
				clear(st[n:])
			}
			continue
		}
		if rows < mr {
			clear(strip)
		}
		for r := 0; r < rows; r++ {
			src := a[(i0+r)*lda+pc : (i0+r)*lda+pc+kb]
			for p, v := range src {
				strip[p*mr+r] = v
			}
		}
	}
}

// copy16 copies 16 values with plain moves (a generic array copy would call
// memmove, which costs more than the copy itself at this size).
func copy16[F Float](d, s []F) {
	d, s = d[:16:16], s[:16:16]
	d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
	d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15] = s[8], s[9], s[10], s[11], s[12], s[13], s[14], s[15]
}
