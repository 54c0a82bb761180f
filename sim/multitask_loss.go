package sim

// MultiTaskLoss is the reference's MultiTaskLoss (spec §3.2): a weighted squared
// error summed over time, averaged over trials and output channels, plus an
// optional latent L2 penalty.
//
// Per trial, with response window [rs, re) from the batch's Extra, the weight of
// every output channel at step t is
//
//	0 for t < 5 (warm-up), 1 before the response, 0 for the first 5 response
//	steps (grace period), 5 for the rest of the response, 0 from re on (padding).
//
// recon = mean_{b,c} Σ_t w·(y − target)²; latent = mean_{b,h} Σ_{t<re} h²;
// loss = recon + LatentWeight·latent. Nothing after a trial's end contributes,
// so a batch simulated only up to its longest trial gives the same loss and
// gradients as one padded to n_timesteps.
type MultiTaskLoss struct {
	// LatentWeight is λ (latent_l2_wt).
	LatentWeight float64
}

// NeedsLatents implements Loss.
func (l MultiTaskLoss) NeedsLatents() bool { return l.LatentWeight != 0 }

// multiTaskWeight is the loss weight of step t of a trial with response window
// [rs, re), assigned in the reference's order (later rules override earlier ones).
func multiTaskWeight(t, rs, re int) float64 {
	w := 1.0
	if t < 5 {
		w = 0
	}
	if t >= rs && t < re {
		w = 5
	}
	if t >= rs && t < rs+5 {
		w = 0
	}
	if t >= re {
		w = 0
	}
	return w
}

// Terms returns the reconstruction and latent terms separately (the loss is
// recon + LatentWeight·latent); latent is 0 when out.Latents is nil.
func (l MultiTaskLoss) Terms(b *Batch, out *Outputs) (recon, latent float64) {
	return l.eval(b, out, nil)
}

// Eval implements Loss: it returns the loss and, when grad is non-nil, adds
// d loss/d output into grad.Controlled and (if λ ≠ 0) d loss/d latent into
// grad.Latents.
func (l MultiTaskLoss) Eval(b *Batch, out *Outputs, grad *Outputs) float64 {
	recon, latent := l.eval(b, out, grad)
	if l.LatentWeight == 0 {
		return recon
	}
	return recon + l.LatentWeight*latent
}

func (l MultiTaskLoss) eval(b *Batch, out *Outputs, grad *Outputs) (recon, latent float64) {
	T, B, C := out.T, out.B, b.TargetDim
	if len(b.Extra) != B || len(out.Controlled) != T*B*C || len(b.Targets) < T*B*C {
		panic("sim: MultiTaskLoss: batch and outputs disagree in shape")
	}
	invBC := 1 / float64(B*C)
	for bi := 0; bi < B; bi++ {
		rs, re := b.Extra[bi][0], b.Extra[bi][1]
		for t := 0; t < min(T, re); t++ {
			w := multiTaskWeight(t, rs, re)
			if w == 0 {
				continue
			}
			for c := 0; c < C; c++ {
				k := (t*B+bi)*C + c
				d := out.Controlled[k] - float64(b.Targets[k])
				recon += w * d * d
				if grad != nil {
					grad.Controlled[k] += 2 * w * d * invBC
				}
			}
		}
	}
	recon *= invBC
	if out.Latents == nil {
		return recon, 0
	}
	H := out.H
	if len(out.Latents) != T*B*H {
		panic("sim: MultiTaskLoss: latents are not T×B×H")
	}
	invBH := 1 / float64(B*H)
	g := 2 * l.LatentWeight * invBH
	for bi := 0; bi < B; bi++ {
		re := b.Extra[bi][1]
		for t := 0; t < min(T, re); t++ {
			row := out.Latents[(t*B+bi)*H : (t*B+bi+1)*H]
			for j, h := range row {
				latent += h * h
				if grad != nil && l.LatentWeight != 0 {
					grad.Latents[(t*B+bi)*H+j] += g * h
				}
			}
		}
	}
	return recon, latent * invBH
}
