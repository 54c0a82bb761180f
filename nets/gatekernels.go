package nets

import (
	"github.com/ctdtui/ctdtui/internal/simd"
	"github.com/ctdtui/ctdtui/nets/gemm"
	"github.com/ctdtui/ctdtui/sim"
)

// blockedInputs is the most inputs (columns of x) for which the vector
// kernels have straight-line variants reading chunked weights (gruBlock,
// rnnBlock, smallBlock); genasm.go generates them. MultiTask has 20 inputs,
// RandomTarget 17.
const blockedInputs = 24

// The fused per-step cell kernels: one pass over a step's gate arrays per
// direction. Each has a portable generic version (float64, other CPUs, sizes
// the vector kernels do not take) and, for float32 on amd64, AVX2 and
// AVX-512 versions chosen by the dispatchers below (cellISA). The AVX-512
// kernels are the AVX2 ones on sixteen lanes, generated from the same code:
// lane by lane they compute the same float32 operations, so both give the
// same results.

// cellISA is the vector kernel set for rows of n float32 values: AVX-512
// when cellPath allows it and n is a multiple of 16, AVX2 for multiples of 8,
// none (simd.Go) otherwise.
func cellISA(n int) simd.Level {
	switch {
	case cellPath >= simd.AVX512 && n%16 == 0:
		return simd.AVX512
	case cellPath >= simd.AVX2 && n%8 == 0:
		return simd.AVX2
	}
	return simd.Go
}

// cellLanes is the chunk width of the blocked weight layouts for rows of n
// values (16 for the AVX-512 kernels, 8 for AVX2), 0 when no vector kernel
// takes them. A layout is built at a tape's Reset for the kernels of that
// moment, so cellPath must not change between a Reset and the steps after it.
func cellLanes(n int) int {
	switch cellISA(n) {
	case simd.AVX512:
		return 16
	case simd.AVX2:
		return 8
	}
	return 0
}

// gruForward finishes one GRU step for rows [0, B). On entry g (B×3H) holds
// the hidden-side products h·W_hhᵀ; on return it holds the gates [r | z | n],
// ghn (B×H) holds W_hn h + b_hn, and hn (B×H) the next state. x is B×I,
// wihT = W_ihᵀ (I×3H), bias = [b_ir+b_hr | b_iz+b_hz | b_in | b_hn] (4H);
// blk is the same in the vector kernel's chunked layout (see gruBlock), nil
// when I > blockedInputs or H is not a multiple of 8.
func gruForward[F sim.Float](B, H, I int, x, wihT, bias, blk, g, ghn, hp, hn []F) {
	if gruForwardFast(B, H, I, x, wihT, bias, blk, g, ghn, hp, hn) {
		return
	}
	gruForwardGo(B, H, I, x, wihT, bias, g, ghn, hp, hn)
}

func gruForwardGo[F sim.Float](B, H, I int, x, wihT, bias, g, ghn, hp, hn []F) {
	H3 := 3 * H
	for b := 0; b < B; b++ {
		gr := g[b*H3 : (b+1)*H3]
		hnr := ghn[b*H : (b+1)*H]
		for j := 0; j < 2*H; j++ {
			gr[j] += bias[j]
		}
		for j := 0; j < H; j++ {
			hnr[j] = gr[2*H+j] + bias[3*H+j]
			gr[2*H+j] = bias[2*H+j]
		}
		for i, xv := range x[b*I : (b+1)*I] {
			w := wihT[i*H3 : (i+1)*H3]
			for j := range gr {
				gr[j] += xv * w[j]
			}
		}
		sigmoidInPlace(gr[:2*H])
		r, z, n := gr[:H], gr[H:2*H], gr[2*H:]
		for j := range n {
			n[j] += r[j] * hnr[j]
		}
		tanhInPlace(n)
		hpr, hnx := hp[b*H:(b+1)*H], hn[b*H:(b+1)*H]
		for j := range hnx {
			hnx[j] = (1-z[j])*n[j] + z[j]*hpr[j]
		}
	}
}

// gruBackward is the fused backward pass of one GRU step for rows [0, B). On
// entry dh (B×H) holds the gradient carried into h' = h_{s+1}, dlat (B×H or
// nil) a further gradient of h', dy (B×O) that of the readout y = W_out h'; g
// holds the gates [r | z | n] and ghn W_hn h + b_hn; hp is h_s. On return g
// holds [∂r̃ | ∂z̃ | ∂ñ ⊙ r] (the gradients of the pre-activations, the last
// one through the reset gate), ghn holds ∂ñ, and dh holds ∂h' ⊙ z (the direct
// path; the caller adds g·W_hh). If acc (4H) is non-nil the column sums of
// [∂r̃ | ∂z̃ | ∂ñ | ∂ñ ⊙ r] are added into it.
func gruBackward[F sim.Float](B, H, O int, dh, dlat, dy, wout, g, ghn, hp, acc []F) {
	if gruBackwardFast(B, H, O, dh, dlat, dy, wout, g, ghn, hp, acc) {
		return
	}
	gruBackwardGo(B, H, O, dh, dlat, dy, wout, g, ghn, hp, acc)
}

func gruBackwardGo[F sim.Float](B, H, O int, dh, dlat, dy, wout, g, ghn, hp, acc []F) {
	H3 := 3 * H
	for b := 0; b < B; b++ {
		gr := g[b*H3 : (b+1)*H3]
		hnr, hpr, dhr := ghn[b*H:(b+1)*H], hp[b*H:(b+1)*H], dh[b*H:(b+1)*H]
		dyr := dy[b*O : (b+1)*O]
		for j := 0; j < H; j++ {
			d := dhr[j]
			if dlat != nil {
				d += dlat[b*H+j]
			}
			for o, v := range dyr {
				d += v * wout[o*H+j]
			}
			r, z, n := gr[j], gr[H+j], gr[2*H+j]
			daz := d * (hpr[j] - n) * z * (1 - z)
			dan := d * (1 - z) * (1 - n*n)
			dar := dan * hnr[j] * r * (1 - r)
			gr[j], gr[H+j], gr[2*H+j] = dar, daz, dan*r
			hnr[j] = dan
			dhr[j] = d * z
		}
		if acc != nil {
			for j := 0; j < 2*H; j++ {
				acc[j] += gr[j]
			}
			for j := 0; j < H; j++ {
				acc[2*H+j] += hnr[j]
				acc[3*H+j] += gr[2*H+j]
			}
		}
	}
}

// rnnForward finishes one vanilla RNN step in place: on entry a (B×H) holds
// h·W_hhᵀ, on return tanh(a + bias + x·W_ihᵀ) with wihT = W_ihᵀ (I×H) and
// bias = b_ih + b_hh; blk (may be nil) is both in the vector kernel's
// chunked layout (rnnBlock).
func rnnForward[F sim.Float](B, H, I int, x, wihT, bias, blk, a []F) {
	if rnnForwardFast(B, H, I, x, wihT, bias, blk, a) {
		return
	}
	for b := 0; b < B; b++ {
		row := a[b*H : (b+1)*H]
		for j := range row {
			row[j] += bias[j]
		}
		for i, xv := range x[b*I : (b+1)*I] {
			w := wihT[i*H : (i+1)*H]
			for j := range row {
				row[j] += xv * w[j]
			}
		}
		tanhInPlace(row)
	}
}

// rnnBackward is the fused backward pass of one vanilla RNN (or any tanh
// cell) step for rows [0, B): with d = dh + dlat + dy·W_out (the gradient of the
// state h = tanh(ã), dlat may be nil), it sets da = ∂ã = d·(1 − h²) and, if acc
// is non-nil, adds the column sums of da into acc (H).
func rnnBackward[F sim.Float](B, H, O int, dh, dlat, dy, wout, h, da, acc []F) {
	if rnnBackwardFast(B, H, O, dh, dlat, dy, wout, h, da, acc) {
		return
	}
	for b := 0; b < B; b++ {
		o := b * H
		dyr := dy[b*O : (b+1)*O]
		for j := 0; j < H; j++ {
			d := dh[o+j]
			if dlat != nil {
				d += dlat[o+j]
			}
			for k, v := range dyr {
				d += v * wout[k*H+j]
			}
			hv := h[o+j]
			da[o+j] = d * (1 - hv*hv)
		}
		if acc != nil {
			for j, v := range da[o : o+H] {
				acc[j] += v
			}
		}
	}
}

// denseSmall sets out (B×N) = act(bias + in·wT) for inputs of a few columns:
// in is B×K, wT is K×N, bias (N) may be nil. With relu, act is max(0, ·);
// with a mask (B×N), elements where mask <= 0 are zeroed (a ReLU's gradient
// given its output). If acc (N) is non-nil the column sums of out are added.
// blk, if non-nil, is wT in the vector kernel's chunked layout (smallBlock).
func denseSmall[F sim.Float](B, N, K int, in, wT, blk, bias, mask, out, acc []F, relu bool) {
	if denseSmallFast(B, N, K, in, wT, blk, bias, mask, out, acc, relu) {
		return
	}
	for b := 0; b < B; b++ {
		row := out[b*N : (b+1)*N]
		if bias != nil {
			copy(row, bias)
		} else {
			clear(row)
		}
		for i, v := range in[b*K : (b+1)*K] {
			w := wT[i*N : (i+1)*N]
			for j := range row {
				row[j] += v * w[j]
			}
		}
		if relu {
			for j, v := range row {
				if v < 0 {
					row[j] = 0
				}
			}
		}
		if mask != nil {
			for j, v := range mask[b*N : (b+1)*N] {
				if v <= 0 {
					row[j] = 0
				}
			}
		}
		if acc != nil {
			for j, v := range row {
				acc[j] += v
			}
		}
	}
}

// biasRelu sets x (B×N) = max(0, x + bias) in place.
func biasRelu[F sim.Float](B, N int, bias, x []F) {
	if biasReluFast(B, N, bias, x) {
		return
	}
	for b := 0; b < B; b++ {
		row := x[b*N : (b+1)*N]
		for j := range row {
			v := row[j] + bias[j]
			if v < 0 {
				v = 0
			}
			row[j] = v
		}
	}
}

// maskGrad zeroes x (B×N) where the ReLU output a is <= 0, and adds the
// column sums of the result into acc (N) when it is non-nil.
func maskGrad[F sim.Float](B, N int, a, x, acc []F) {
	if maskGradFast(B, N, a, x, acc) {
		return
	}
	for i, v := range a[:B*N] {
		if v <= 0 {
			x[i] = 0
		}
	}
	if acc != nil {
		colSum(acc, x, B, N)
	}
}

// dotsOut sets out (B×N) = bias + in·wᵀ for a few outputs, or adds in·wᵀ into
// out when accumulate: in is B×K, w is N×K (its rows are dotted with the
// rows of in), bias (N) may be nil.
func dotsOut[F sim.Float](B, N, K int, in, w, bias, out []F, accumulate bool) {
	if dotsOutFast(B, N, K, in, w, bias, out, accumulate) {
		return
	}
	for b := 0; b < B; b++ {
		row := in[b*K : (b+1)*K]
		for n := 0; n < N; n++ {
			var sum F
			for k, v := range w[n*K : (n+1)*K] {
				sum += row[k] * v
			}
			if bias != nil {
				sum += bias[n]
			}
			if accumulate {
				out[b*N+n] += sum
			} else {
				out[b*N+n] = sum
			}
		}
	}
}

// smallLinear sets y (B×N) = bias + x·wᵀ for tiny sizes (x is B×K, w N×K),
// scalar: a readout of a few states.
func smallLinear[F sim.Float](B, N, K int, x, w, bias, y []F) {
	for b := 0; b < B; b++ {
		xr := x[b*K : (b+1)*K]
		for n := 0; n < N; n++ {
			sum := bias[n]
			for k, v := range w[n*K : (n+1)*K] {
				sum += xr[k] * v
			}
			y[b*N+n] = sum
		}
	}
}

// outerAcc adds uᵀ·v into acc (K×N, row-major) for a u of few columns: u is
// R×K with row stride ldu, v is R×N with row stride ldv. Such products (weight
// gradients of a layer with few inputs or outputs, summed over many rows) waste
// most of a GEMM kernel's tile and its packing of v; the vector version keeps
// the K×16 accumulators in registers over all rows.
func outerAcc[F sim.Float](R, K, N int, u []F, ldu int, v []F, ldv int, acc []F) {
	if R == 0 || K == 0 || N == 0 || outerAccFast(R, K, N, u, ldu, v, ldv, acc) {
		return
	}
	gemm.Gemm(true, false, K, N, R, 1, u, ldu, v, ldv, 1, acc, N)
}

// gruBlock lays out the biases and input weights of a GRU (bias and wihT as
// for gruForward) for the vector kernel: per chunk of L = cellLanes(H) units,
// the four bias vectors and then, per input, its weights into r, z and n, so
// that one pointer and fixed offsets reach them all. It returns nil when the
// kernel reads wihT instead (I > blockedInputs, or no vector kernel for H).
func gruBlock[F sim.Float](dst []F, H, I int, wihT, bias []F) []F {
	L := cellLanes(H)
	if I > blockedInputs || L == 0 {
		return nil
	}
	per := (4 + 3*I) * L
	dst = grow(dst, H/L*per)
	for c := 0; c < H/L; c++ {
		blk := dst[c*per : (c+1)*per]
		for g := 0; g < 4; g++ {
			copy(blk[g*L:(g+1)*L], bias[g*H+c*L:])
		}
		for i := 0; i < I; i++ {
			for g := 0; g < 3; g++ {
				copy(blk[(4+3*i+g)*L:(5+3*i+g)*L], wihT[i*3*H+g*H+c*L:])
			}
		}
	}
	return dst
}

// smallBlock lays out wT (K×N) for denseSmall's vector kernel: per chunk of
// L = cellLanes(N) columns, the K row pieces one after another. It returns
// nil where the kernel reads wT itself (K > blockedInputs, or no vector
// kernel for N).
func smallBlock[F sim.Float](dst []F, K, N int, wT []F) []F {
	L := cellLanes(N)
	if K > blockedInputs || L == 0 {
		return nil
	}
	dst = grow(dst, K*N)
	for c := 0; c < N/L; c++ {
		for i := 0; i < K; i++ {
			copy(dst[(c*K+i)*L:(c*K+i+1)*L], wT[i*N+c*L:])
		}
	}
	return dst
}

// rnnBlock lays out a tanh cell's bias and W_ihᵀ (I×H) for the vector kernel:
// per chunk of L = cellLanes(H) units the bias, then each input's weights. It
// returns nil where the kernel reads wihT itself (I > blockedInputs, or no
// vector kernel for H).
func rnnBlock[F sim.Float](dst []F, H, I int, wihT, bias []F) []F {
	L := cellLanes(H)
	if I > blockedInputs || L == 0 {
		return nil
	}
	dst = grow(dst, H*(I+1))
	for c := 0; c < H/L; c++ {
		blk := dst[c*(I+1)*L : (c+1)*(I+1)*L]
		copy(blk[:L], bias[c*L:])
		for i := 0; i < I; i++ {
			copy(blk[(i+1)*L:(i+2)*L], wihT[i*H+c*L:])
		}
	}
	return dst
}
