package simd

import "testing"

func TestCapped(t *testing.T) {
	for _, tc := range []struct {
		hw   Level
		env  string
		want Level
	}{
		{AVX512, "", AVX512},
		{AVX512, "avx2", AVX2},
		{AVX512, "GO", Go},
		{AVX2, "avx512", AVX2}, // a cap never raises the level
		{AVX512, "sse9", AVX512},
	} {
		if got := capped(tc.hw, tc.env); got != tc.want {
			t.Errorf("capped(%v, %q) = %v, want %v", tc.hw, tc.env, got, tc.want)
		}
	}
}

func TestAvailable(t *testing.T) {
	a := Available()
	if a[0] != Hardware || a[len(a)-1] != Go {
		t.Fatalf("Available() = %v, want %v first and go last", a, Hardware)
	}
	t.Logf("this machine runs %v (default %v)", a, Detected)
}
