package sim

import "math"

// NumpyRNG reproduces numpy's legacy global generator (np.random.seed / RandomState):
// MT19937 with numpy's algorithms for random(), randint, uniform, choice, the polar
// Box-Muller Gaussian with its one-value cache, and shuffle/permutation.
// The reference draws every dataset from this generator, so matching it bit for bit
// lets a ctdtui run be compared trial by trial with a model trained in the reference
// (spec tasks-and-training.md, Appendix A).
//
// It is not safe for concurrent use.
type NumpyRNG struct {
	mt        [624]uint32
	pos       int
	hasGauss  bool
	gaussNext float64
}

// NewNumpyRNG returns a generator in the state of np.random.seed(seed).
func NewNumpyRNG(seed uint32) *NumpyRNG {
	r := &NumpyRNG{}
	r.Seed(seed)
	return r
}

// Seed resets the generator as np.random.seed(seed) does (init_genrand), clearing
// the Gaussian cache.
func (r *NumpyRNG) Seed(seed uint32) {
	r.mt[0] = seed
	for i := 1; i < 624; i++ {
		prev := r.mt[i-1]
		r.mt[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	r.pos = 624
	r.hasGauss = false
	r.gaussNext = 0
}

// Uint32 returns the next raw MT19937 output.
func (r *NumpyRNG) Uint32() uint32 {
	const (
		n         = 624
		m         = 397
		matrixA   = 0x9908b0df
		upperMask = 0x80000000
		lowerMask = 0x7fffffff
	)
	if r.pos >= n {
		mt := &r.mt
		var i int
		for i = 0; i < n-m; i++ {
			y := (mt[i] & upperMask) | (mt[i+1] & lowerMask)
			mt[i] = mt[i+m] ^ (y >> 1) ^ (-(y & 1) & matrixA)
		}
		for ; i < n-1; i++ {
			y := (mt[i] & upperMask) | (mt[i+1] & lowerMask)
			mt[i] = mt[i+m-n] ^ (y >> 1) ^ (-(y & 1) & matrixA)
		}
		y := (mt[n-1] & upperMask) | (mt[0] & lowerMask)
		mt[n-1] = mt[m-1] ^ (y >> 1) ^ (-(y & 1) & matrixA)
		r.pos = 0
	}
	y := r.mt[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// Random returns a double in [0, 1) with 53 random bits (numpy's random_sample).
func (r *NumpyRNG) Random() float64 {
	a := r.Uint32() >> 5
	b := r.Uint32() >> 6
	return (float64(a)*67108864.0 + float64(b)) / 9007199254740992.0
}

// Uniform returns lo + (hi-lo)·Random(), with (hi-lo) rounded in double as numpy does.
// The explicit conversion keeps Go from fusing the multiply-add (it may on arm64),
// which would change the last bit.
func (r *NumpyRNG) Uniform(lo, hi float64) float64 {
	return lo + float64((hi-lo)*r.Random())
}

// interval draws an integer in [0, max] by masked rejection (numpy's legacy
// random_interval / bounded masked uint32 path for ranges below 2^32).
func (r *NumpyRNG) interval(max uint64) uint64 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	mask |= mask >> 32
	if max <= 0xffffffff {
		for {
			v := uint64(r.Uint32()) & mask
			if v <= max {
				return v
			}
		}
	}
	for {
		v := (uint64(r.Uint32())<<32 | uint64(r.Uint32())) & mask
		if v <= max {
			return v
		}
	}
}

// Intn returns numpy's randint(lo, hi): an integer in [lo, hi). A range of one value
// consumes no draw. It panics if hi <= lo, like numpy raises.
func (r *NumpyRNG) Intn(lo, hi int) int {
	if hi <= lo {
		panic("sim: NumpyRNG.Intn: empty range")
	}
	rng := uint64(hi - 1 - lo)
	if rng == 0 {
		return lo
	}
	// numpy's legacy randint draws through the 32-bit masked path for int64 output
	// when the range fits 32 bits; interval implements exactly that.
	return lo + int(r.interval(rng))
}

// IntnF is randint with float bounds, truncated first as numpy does for the
// reference's randint(lo_ms/bin, hi_ms/bin) calls.
func (r *NumpyRNG) IntnF(lo, hi float64) int {
	return r.Intn(int(math.Trunc(lo)), int(math.Trunc(hi)))
}

// Choice returns an index into a list of length n as numpy's choice(list) does
// (randint(0, n)).
func (r *NumpyRNG) Choice(n int) int { return r.Intn(0, n) }

// ChoiceP returns an index drawn with probabilities p, as choice(list, p=p):
// u = random(); the first i with cdf[i]/cdf[last] > u.
func (r *NumpyRNG) ChoiceP(p []float64) int {
	cdf := make([]float64, len(p))
	s := 0.0
	for i, v := range p {
		s += v
		cdf[i] = s
	}
	u := r.Random()
	for i := range cdf {
		if cdf[i]/cdf[len(cdf)-1] > u {
			return i
		}
	}
	return len(p) - 1
}

// Normal returns a standard normal draw (polar Box-Muller with numpy's cache).
func (r *NumpyRNG) Normal() float64 {
	if r.hasGauss {
		r.hasGauss = false
		v := r.gaussNext
		r.gaussNext = 0
		return v
	}
	var x1, x2, r2 float64
	for {
		x1 = 2*r.Random() - 1
		x2 = 2*r.Random() - 1
		r2 = float64(x1*x1) + float64(x2*x2) // unfused, as numpy's C code
		if r2 < 1 && r2 != 0 {
			break
		}
	}
	// numpy calls the C library's log here; libmLog is glibc's, bit for bit.
	f := math.Sqrt(-2 * libmLog(r2) / r2)
	r.gaussNext = f * x1
	r.hasGauss = true
	return f * x2
}

// NormalScaled returns loc + scale·Normal(), numpy's normal(loc, scale).
func (r *NumpyRNG) NormalScaled(loc, scale float64) float64 {
	return loc + scale*r.Normal()
}

// ShuffleInts shuffles x in place as numpy's shuffle does.
func (r *NumpyRNG) ShuffleInts(x []int) {
	for i := len(x) - 1; i > 0; i-- {
		j := int(r.interval(uint64(i)))
		x[i], x[j] = x[j], x[i]
	}
}

// Permutation returns numpy's permutation(n).
func (r *NumpyRNG) Permutation(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.ShuffleInts(p)
	return p
}

// TrainValidSplit reproduces the reference's split (sklearn's train_test_split with
// test_size=0.2 and random_state=seed): perm = RandomState(seed).permutation(n);
// the first ceil(0.2·n) indices are validation, the rest training, both in that
// shuffled order.
func TrainValidSplit(n int, seed uint32) (train, valid []int) {
	perm := NewNumpyRNG(seed).Permutation(n)
	nValid := int(math.Ceil(0.2 * float64(n)))
	return perm[nValid:], perm[:nValid]
}
