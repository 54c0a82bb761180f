//go:build !amd64 || purego

package simd

func hardware() Level { return Go }
