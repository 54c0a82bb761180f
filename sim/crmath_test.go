package sim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// A few arguments where Go's math.Log is one ulp away from the correctly rounded
// value (checked against glibc via Python's math.log).
func TestCrLogKnown(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	worse := 0
	for i := 0; i < 20000; i++ {
		x := r.Float64()
		got, ref := crLog(x), math.Log(x)
		if math.Abs(got-ref) > 2*math.Abs(math.Nextafter(ref, 0)-ref) {
			t.Fatalf("crLog(%v)=%v, math.Log=%v: more than one ulp apart", x, got, ref)
		}
		if got != ref {
			worse++
		}
	}
	if worse == 0 {
		t.Fatal("expected crLog to differ from math.Log by an ulp somewhere")
	}
}

func BenchmarkCrLog(b *testing.B) {
	x := 0.3
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += crLog(x)
		x += 1e-9
	}
	_ = s
}
