package vecmath

import (
	"fmt"
	"math"
	"testing"
)

func paths() []bool {
	if useAsm {
		return []bool{true, false}
	}
	return []bool{false}
}

func withAsm(asm bool, f func()) {
	saved := useAsm
	useAsm = asm
	defer func() { useAsm = saved }()
	f()
}

func pathName(asm bool) string {
	if asm {
		return "asm"
	}
	return "go"
}

// function under test with its float64 reference.
type fn struct {
	name string
	f    func(dst, x []float32)
	ref  func(x float64) float64
	// maxULP is the accepted error against the float64 reference, for the
	// assembly path (float32 arithmetic: exp error ~1 ulp, plus one rounding
	// each for the 1+e or 2+m and the division) and for the portable path
	// (float64 arithmetic, only the final rounding).
	maxULP, maxULPGo float64
}

func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

var fns = []fn{
	{"Exp", Exp, math.Exp, 1.5, 0.51},
	{"Sigmoid", Sigmoid, sigmoid64, 3, 0.51},
	{"Tanh", Tanh, math.Tanh, 3, 0.51},
}

// ulpErr is |got - want| in units of the float32 spacing at want (subnormal
// spacing below the normal range). Both infinite and equal counts as 0.
func ulpErr(got float32, want float64) float64 {
	g := float64(got)
	if g == want {
		return 0
	}
	if math.IsInf(want, 0) || math.IsInf(g, 0) {
		// An overflowed result counts as exact only where the rounded reference overflows too.
		if math.IsInf(float64(float32(want)), 0) && g == float64(float32(want)) {
			return 0
		}
		return math.Inf(1)
	}
	w := math.Abs(want)
	var ulp float64
	if w < 0x1p-126 {
		ulp = 0x1p-149
	} else {
		_, e := math.Frexp(w) // w = f·2^e, f in [0.5, 1)
		ulp = math.Ldexp(1, e-24)
	}
	return math.Abs(g-want) / ulp
}

// grid returns the test inputs: a dense uniform grid over [lo, hi], a
// stride through every binade of float32 of both signs (subnormals and
// huge values included) and the special values.
func grid(lo, hi float32) []float32 {
	var xs []float32
	const dense = 1 << 20
	for i := 0; i <= dense; i++ {
		xs = append(xs, lo+(hi-lo)*float32(i)/dense)
	}
	for b := uint32(0); b < 0x7f800000; b += 1021 {
		v := math.Float32frombits(b)
		xs = append(xs, v, -v)
	}
	xs = append(xs, specials...)
	return xs
}

var specials = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, 0.5, -0.5,
	float32(math.Inf(1)), float32(math.Inf(-1)),
	math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
	0x1p-126, -0x1p-126, 1e-8, -1e-8, 1e-4, -1e-4, 0.0625, -0.0625,
	88.72283, 88.72284, 88.7229, 89, 89.5, -87.33654, -87.3366, -88, -103.27893, -103.9, -103.97208, -104, -104.5, -120,
	8.66, 9.0, 9.01, 10, 10.5, 15, 16.7, 17, 20, 25,
}

func TestAccuracy(t *testing.T) {
	ranges := map[string][2]float32{"Exp": {-105, 90}, "Sigmoid": {-105, 30}, "Tanh": {-11, 11}}
	for _, f := range fns {
		xs := grid(ranges[f.name][0], ranges[f.name][1])
		got := make([]float32, len(xs))
		for _, asm := range paths() {
			t.Run(f.name+"/"+pathName(asm), func(t *testing.T) {
				withAsm(asm, func() { f.f(got, xs) })
				worst, worstX := 0.0, float32(0)
				for i, x := range xs {
					e := ulpErr(got[i], f.ref(float64(x)))
					if e > worst || math.IsNaN(e) {
						worst, worstX = e, x
					}
				}
				t.Logf("max error %.3f ulp at x = %g (%d inputs)", worst, worstX, len(xs))
				limit := f.maxULP
				if !asm {
					limit = f.maxULPGo
				}
				if !(worst <= limit) {
					t.Errorf("max error %.3f ulp at x = %g (got %g, want %g), limit %g",
						worst, worstX, f.f1(worstX), f.ref(float64(worstX)), limit)
				}
			})
		}
	}
}

func (f fn) f1(x float32) float32 {
	d := []float32{x}
	f.f(d, d)
	return d[0]
}

func TestSpecialValues(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	cases := []struct {
		f    string
		x    float32
		want float32
	}{
		{"Exp", inf, inf}, {"Exp", -inf, 0}, {"Exp", 0, 1}, {"Exp", 100, inf}, {"Exp", -200, 0},
		{"Exp", math.MaxFloat32, inf}, {"Exp", -math.MaxFloat32, 0},
		{"Sigmoid", inf, 1}, {"Sigmoid", -inf, 0}, {"Sigmoid", 0, 0.5}, {"Sigmoid", negZero, 0.5},
		{"Sigmoid", math.MaxFloat32, 1}, {"Sigmoid", -math.MaxFloat32, 0}, {"Sigmoid", 50, 1},
		{"Tanh", inf, 1}, {"Tanh", -inf, -1}, {"Tanh", 0, 0}, {"Tanh", 20, 1}, {"Tanh", -20, -1},
		{"Tanh", math.MaxFloat32, 1}, {"Tanh", -math.MaxFloat32, -1},
		{"Tanh", math.SmallestNonzeroFloat32, math.SmallestNonzeroFloat32},
	}
	byName := map[string]fn{}
	for _, f := range fns {
		byName[f.name] = f
	}
	for _, asm := range paths() {
		withAsm(asm, func() {
			for _, c := range cases {
				if got := byName[c.f].f1(c.x); got != c.want {
					t.Errorf("%s %s(%g) = %g, want %g", pathName(asm), c.f, c.x, got, c.want)
				}
			}
			for _, f := range fns {
				if got := f.f1(nan); !math.IsNaN(float64(got)) {
					t.Errorf("%s %s(NaN) = %g, want NaN", pathName(asm), f.name, got)
				}
				negNaN := math.Float32frombits(0xffc00000)
				if got := f.f1(negNaN); !math.IsNaN(float64(got)) {
					t.Errorf("%s %s(-NaN) = %g, want NaN", pathName(asm), f.name, got)
				}
			}
			// Signed zeros and exact odd symmetry of Tanh.
			if got := byName["Tanh"].f1(negZero); math.Float32bits(got) != math.Float32bits(negZero) {
				t.Errorf("%s Tanh(-0) = %g, want -0", pathName(asm), got)
			}
			if got := byName["Tanh"].f1(0); math.Float32bits(got) != 0 {
				t.Errorf("%s Tanh(+0) = %g, want +0", pathName(asm), got)
			}
			for x := float32(1e-6); x < 12; x *= 1.37 {
				if p, m := byName["Tanh"].f1(x), byName["Tanh"].f1(-x); p != -m {
					t.Errorf("%s Tanh(%g) = %g but Tanh(-%g) = %g", pathName(asm), x, p, x, m)
				}
			}
		})
	}
}

// TestLengthsAndAliasing checks every length around the vector width, that
// the result does not depend on an element's position (tail or body), that
// dst may alias x, and that elements past len are untouched.
func TestLengthsAndAliasing(t *testing.T) {
	for _, asm := range paths() {
		withAsm(asm, func() {
			for _, f := range fns {
				for n := 0; n <= 35; n++ {
					x := make([]float32, n)
					for i := range x {
						x[i] = float32(i)*0.37 - 5
					}
					dst := make([]float32, n+1)
					dst[n] = 42
					f.f(dst[:n], x)
					if dst[n] != 42 {
						t.Fatalf("%s %s n=%d wrote past the end", pathName(asm), f.name, n)
					}
					inPlace := append([]float32(nil), x...)
					f.f(inPlace, inPlace)
					for i := range x {
						if one := f.f1(x[i]); dst[i] != one || inPlace[i] != one {
							t.Fatalf("%s %s n=%d i=%d: %g (slice) %g (in place) %g (alone)",
								pathName(asm), f.name, n, i, dst[i], inPlace[i], one)
						}
					}
				}
			}
		})
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic for mismatched lengths")
		}
	}()
	Sigmoid(make([]float32, 3), make([]float32, 4))
}

func BenchmarkVecmath(b *testing.B) {
	for _, n := range []int{1 << 12, 100 * 384} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i%2000)*0.01 - 10
		}
		dst := make([]float32, n)
		for _, f := range fns {
			for _, asm := range paths() {
				b.Run(fmt.Sprintf("%s/n=%d/%s", f.name, n, pathName(asm)), func(b *testing.B) {
					withAsm(asm, func() {
						for b.Loop() {
							f.f(dst, x)
						}
					})
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
				})
			}
		}
	}
}
