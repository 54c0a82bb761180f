package nets

import "math/rand/v2"

// Noise gives every row of a batch its own Gaussian stream, seeded from a
// per-batch seed and the row's trial index. The draws a trial sees therefore do
// not depend on how a batch is split across goroutines, nor on which other trials
// share its batch. A nil *Noise means no noise (deterministic evaluation).
type Noise struct {
	pcg  []rand.PCG
	rngs []*rand.Rand
	// fixed, when set (tests only), replaces the streams: row r returns
	// fixed[r][0], fixed[r][1], ... in turn.
	fixed [][]float64
	pos   []int
}

// NewNoise returns streams for the given trial indices.
func NewNoise(seed uint64, trials []int) *Noise {
	n := &Noise{}
	n.Reset(seed, trials)
	return n
}

// Reset reseeds the streams for a new batch, reusing storage.
func (n *Noise) Reset(seed uint64, trials []int) {
	if cap(n.pcg) < len(trials) {
		n.pcg = make([]rand.PCG, len(trials))
		n.rngs = make([]*rand.Rand, len(trials))
		for i := range n.pcg {
			n.rngs[i] = rand.New(&n.pcg[i])
		}
	}
	n.pcg = n.pcg[:len(trials)]
	n.rngs = n.rngs[:len(trials)]
	for i, id := range trials {
		n.pcg[i].Seed(seed, uint64(id))
	}
}

// Rows returns the streams of rows [from, to) as their own Noise (sharing state).
func (n *Noise) Rows(from, to int) *Noise {
	if n == nil {
		return nil
	}
	if n.fixed != nil {
		return &Noise{fixed: n.fixed[from:to], pos: n.pos[from:to]}
	}
	return &Noise{pcg: n.pcg[from:to], rngs: n.rngs[from:to]}
}

// Norm returns a standard normal draw from row r's stream.
func (n *Noise) Norm(r int) float64 {
	if n.fixed != nil {
		v := n.fixed[r][n.pos[r]]
		n.pos[r]++
		return v
	}
	return n.rngs[r].NormFloat64()
}

// Len is the number of rows.
func (n *Noise) Len() int { return len(n.rngs) }
