package nets

import "github.com/ctdtui/ctdtui/sim"

// The fused per-step cell kernels: one pass over a step's gate arrays per
// direction. Each has a portable generic version (float64, other CPUs, sizes
// the vector kernels do not take) and, for float32 on amd64, an AVX2 version
// chosen by the dispatchers below.

// gruForward finishes one GRU step for rows [0, B). On entry g (B×3H) holds
// the hidden-side products h·W_hhᵀ; on return it holds the gates [r | z | n],
// ghn (B×H) holds W_hn h + b_hn, and hn (B×H) the next state. x is B×I,
// wihT = W_ihᵀ (I×3H), bias = [b_ir+b_hr | b_iz+b_hz | b_in | b_hn] (4H).
func gruForward[F sim.Float](B, H, I int, x, wihT, bias, g, ghn, hp, hn []F) {
	if gruForwardFast(B, H, I, x, wihT, bias, g, ghn, hp, hn) {
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
// bias = b_ih + b_hh.
func rnnForward[F sim.Float](B, H, I int, x, wihT, bias, a []F) {
	if rnnForwardFast(B, H, I, x, wihT, bias, a) {
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
