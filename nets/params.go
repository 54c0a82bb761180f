package nets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ctdtui/ctdtui/sim"
)

// ParamView names one parameter tensor inside a flat parameter vector, with
// torch's name and shape (weights are out×in).
type ParamView struct {
	Name  string
	Shape []int
	Off   int
}

// Len is the number of elements of the tensor.
func (v ParamView) Len() int {
	n := 1
	for _, d := range v.Shape {
		n *= d
	}
	return n
}

// Params is a model's parameters as one flat vector with named views.
type Params[F sim.Float] struct {
	Data  []F
	Views []ParamView
}

// layout declares a model's tensors, then allocates the flat vector and points
// each model field at its part of it.
type layout[F sim.Float] struct {
	p     *Params[F]
	slots []*[]F
}

func (l *layout[F]) tensor(dst *[]F, name string, shape ...int) {
	off := 0
	if n := len(l.p.Views); n > 0 {
		last := l.p.Views[n-1]
		off = last.Off + last.Len()
	}
	l.p.Views = append(l.p.Views, ParamView{Name: name, Shape: shape, Off: off})
	l.slots = append(l.slots, dst)
}

func (l *layout[F]) finish() {
	n := 0
	for _, v := range l.p.Views {
		n += v.Len()
	}
	l.p.Data = make([]F, n)
	for i, v := range l.p.Views {
		*l.slots[i] = l.p.Data[v.Off : v.Off+v.Len() : v.Off+v.Len()]
	}
}

// Get returns the tensor called name, a view into Data.
func (p *Params[F]) Get(name string) []F {
	for _, v := range p.Views {
		if v.Name == name {
			return p.Data[v.Off : v.Off+v.Len()]
		}
	}
	panic(fmt.Sprintf("nets: no parameter %q", name))
}

// Len is the total number of parameters.
func (p *Params[F]) Len() int { return len(p.Data) }

// uniformInit fills x with U(−bound, bound), torch's default for Linear,
// GRUCell and RNNCell weights and biases.
func uniformInit[F sim.Float](x []F, bound float64, rng *rand.Rand) {
	for i := range x {
		x[i] = F((2*rng.Float64() - 1) * bound)
	}
}

func invSqrt(n int) float64 { return 1 / math.Sqrt(float64(n)) }
