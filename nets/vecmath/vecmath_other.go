//go:build !amd64 || purego

package vecmath

// useAsm is always false without the amd64 assembly.
var useAsm = false

func expAVX2(dst, x *float32, n int)     { panic("vecmath: no assembly") }
func sigmoidAVX2(dst, x *float32, n int) { panic("vecmath: no assembly") }
func tanhAVX2(dst, x *float32, n int)    { panic("vecmath: no assembly") }
