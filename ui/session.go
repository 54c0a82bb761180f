package ui

import (
	"context"
	"fmt"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/ctdtui/ctdtui/analysis"
	"github.com/ctdtui/ctdtui/nets"
	"github.com/ctdtui/ctdtui/run"
)

// session is a loaded run with its per-phase results cached.
// TEMPORARY: replaced by study.Session once that package lands.
type session struct {
	Run *run.Loaded

	mu   sync.Mutex
	pcas map[string]*analysis.PCA
}

func openSession(dir string) (*session, error) {
	l, err := run.Load(dir, false)
	if err != nil {
		return nil, err
	}
	return &session{Run: l, pcas: map[string]*analysis.PCA{}}, nil
}

func (s *session) Inference(ctx context.Context, phase string) (*nets.Inference, error) {
	return s.Run.Infer(ctx, phase)
}

func (s *session) PCA(ctx context.Context, phase string) (*analysis.PCA, error) {
	s.mu.Lock()
	p, ok := s.pcas[phase]
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	inf, err := s.Run.Infer(ctx, phase)
	if err != nil {
		return nil, err
	}
	x := mat.NewDense(inf.Steps(), inf.H, widen32(inf.AllLatents()))
	n, h := x.Dims()
	if n < 2 {
		return nil, fmt.Errorf("too few steps for a PCA")
	}
	p, err = analysis.FitPCA(x, min(n, h))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.pcas[phase] = p
	s.mu.Unlock()
	return p, nil
}
