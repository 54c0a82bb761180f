//go:build !amd64

package analysis

var useAdamAVX = false

// applyVector has no vector path on this architecture.
func (st adamStep) applyVector(p, g, m, v []float64) int { return 0 }
