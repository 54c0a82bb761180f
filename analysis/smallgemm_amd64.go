package analysis

import "golang.org/x/sys/cpu"

// useTileKernel selects the AVX2+FMA tile kernel; tests switch it off to
// compare with the plain Go loops.
var useTileKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// mulTile4x8 sets the 4×8 tile c = a·b, a 4×k (rows lda apart), b k×8 (rows
// ldb apart), c rows ldc apart; k ≥ 1.
//
//go:noescape
func mulTile4x8(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)
