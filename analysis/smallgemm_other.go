//go:build !amd64

package analysis

var useTileKernel = false

func mulTile4x8(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int) {
	panic("analysis: no tile kernel on this architecture")
}
