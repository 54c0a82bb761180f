package study

import (
	"context"
	"fmt"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/run"
)

// AlignedTrajectories are two runs' latents over the same trials in the
// reference run A's PC space: what the Compare tab draws and `compare
// --trajectories` writes. A is A's latents on its first K PCs; B is B's
// latents mapped into A's PC space by the affine fit of the reference's
// plot_trials_3d_reference (analysis.ProjectIntoReferencePCs: full PCA of
// A, B's latents regressed onto all of A's scores, in sample), its first K
// columns. Both have A's trial layout (Trials, Lens); B has no Ratio (the
// variance shares are A's).
type AlignedTrajectories struct {
	Phase string      `json:"phase"`
	A     *Projection `json:"a"`
	B     *Projection `json:"b"`
}

// AlignTrajectories maps other's latents on the phase into this run's PC
// space (k PCs, capped at the latent size; 0 means 3). The runs must have
// the same trials (run.SameTrials).
func (s *Session) AlignTrajectories(ctx context.Context, other *Session, phase string, k int) (*AlignedTrajectories, error) {
	p, err := normPhase(phase)
	if err != nil {
		return nil, err
	}
	if err := run.SameTrials(s.Run, other.Run); err != nil {
		return nil, fmt.Errorf("cannot align %s with %s: %w", other.Run.Run.Dir, s.Run.Run.Dir, err)
	}
	pa, err := s.PCs(ctx, p, k)
	if err != nil {
		return nil, err
	}
	la, err := s.Latents(ctx, p)
	if err != nil {
		return nil, err
	}
	lb, err := other.Latents(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	z, err := analysis.ProjectIntoReferencePCs(la, lb)
	if err != nil {
		return nil, fmt.Errorf("mapping %s into the PCs of %s: %w", other.Name(), s.Name(), err)
	}
	n, c := z.Dims()
	if n*pa.K != len(pa.Data) || c < pa.K {
		panic(fmt.Sprintf("study: AlignTrajectories: %d×%d mapped rows for a %d-row projection on %d PCs", n, c, len(pa.Data)/pa.K, pa.K))
	}
	pb := *pa
	pb.Ratio = nil
	pb.Data = make([]float64, n*pa.K)
	for i := 0; i < n; i++ {
		copy(pb.Data[i*pa.K:(i+1)*pa.K], z.RawRowView(i)[:pa.K])
	}
	return &AlignedTrajectories{Phase: p, A: pa, B: &pb}, nil
}
