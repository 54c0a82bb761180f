package analysis

import "golang.org/x/sys/cpu"

// useAdamAVX selects the vectorised Adam step (AVX, four doubles at a time);
// tests switch it off to compare with the scalar code.
var useAdamAVX = cpu.X86.HasAVX

//go:noescape
func adamApplyAVX(p, grad, m, v *float64, n int, c *[7]float64)

// applyVector runs the step on the longest multiple-of-4 prefix with AVX and
// returns how many elements it did.
func (st adamStep) applyVector(p, g, m, v []float64) int {
	n := len(g) &^ 3
	if !useAdamAVX || n == 0 {
		return 0
	}
	if len(p) < n || len(m) < n || len(v) < n {
		panic("analysis: Adam slices shorter than the gradient")
	}
	c := [7]float64{st.beta1, st.beta2, st.omb1, st.omb2, -st.stepSize, st.bc2s, st.eps}
	adamApplyAVX(&p[0], &g[0], &m[0], &v[0], n, &c)
	return n
}
