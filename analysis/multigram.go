package analysis

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Float32Matrix is a row-major float32 matrix seen as a mat.Matrix, so that
// float32 data (a model's latents) can enter the Gram-form metrics without a
// float64 copy: the cross-products widen one block of rows at a time.
type Float32Matrix struct {
	R, C int
	Data []float32
}

// NewFloat32Matrix wraps data (r×c, row-major). It panics on a length
// mismatch.
func NewFloat32Matrix(r, c int, data []float32) *Float32Matrix {
	if r < 0 || c < 0 || len(data) != r*c {
		panic(fmt.Sprintf("analysis: NewFloat32Matrix: %d values for %d×%d", len(data), r, c))
	}
	return &Float32Matrix{R: r, C: c, Data: data}
}

// Dims returns the shape.
func (m *Float32Matrix) Dims() (int, int) { return m.R, m.C }

// At returns element (i, j).
func (m *Float32Matrix) At(i, j int) float64 { return float64(m.Data[i*m.C+j]) }

// T returns the transpose.
func (m *Float32Matrix) T() mat.Matrix { return mat.Transpose{Matrix: m} }

// MultiGram holds the column means and centred cross-products of several
// data sets with the same rows (a set of runs' latents on the same trials):
// every block AᵢcᵀAⱼc, i ≤ j. Pair gives the CrossGram of two of them, so
// the Gram-form metrics of all pairs share one pass over the data per block.
type MultiGram struct {
	Rows   int
	Means  [][]float64
	blocks map[[2]int]*mat.Dense
}

// NewMultiGram accumulates the cross-products of sets (equal row counts; it
// panics otherwise). Blocks are computed in parallel by workers goroutines
// (0: GOMAXPROCS), each block by one goroutine summing the row blocks in
// order, so the result does not depend on the number of workers. It stops
// with ctx's error when ctx is cancelled; progress, if not nil, is called
// after each block with the blocks done and their total.
func NewMultiGram(ctx context.Context, sets []mat.Matrix, workers int, progress func(done, total int)) (*MultiGram, error) {
	if len(sets) == 0 {
		panic("analysis: NewMultiGram: no data sets")
	}
	n, _ := sets[0].Dims()
	m := &MultiGram{Rows: n, blocks: map[[2]int]*mat.Dense{}}
	for i, s := range sets {
		r, _ := s.Dims()
		if r != n {
			panic(fmt.Sprintf("analysis: NewMultiGram: set %d has %d rows, set 0 has %d", i, r, n))
		}
		m.Means = append(m.Means, colMeans(s))
	}
	var pairs [][2]int
	for i := range sets {
		for j := i; j < len(sets); j++ {
			pairs = append(pairs, [2]int{i, j})
		}
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	out := make([]*mat.Dense, len(pairs))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < min(workers, len(pairs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				i, j := pairs[k][0], pairs[k][1]
				out[k] = crossBlock(ctx, sets[i], sets[j], m.Means[i], m.Means[j], i == j)
				mu.Lock()
				done++
				if progress != nil && ctx.Err() == nil {
					progress(done, len(pairs))
				}
				mu.Unlock()
			}
		}()
	}
	for k := range pairs {
		if ctx.Err() != nil {
			break
		}
		next <- k
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for k, p := range pairs {
		m.blocks[p] = out[k]
	}
	return m, nil
}

// crossBlock returns AcᵀBc (Ac, Bc the centred a and b), summed over blocks
// of rows in order; sym says a and b are the same set (a symmetric rank-k
// update, half the work).
func crossBlock(ctx context.Context, a, b mat.Matrix, ma, mb []float64, sym bool) *mat.Dense {
	n, p := a.Dims()
	_, q := b.Dims()
	out := blas64.General{Rows: p, Cols: q, Stride: q, Data: make([]float64, p*q)}
	if n == 0 {
		return mat.NewDense(p, q, out.Data)
	}
	bufA := mat.NewDense(min(crossGramBlock, n), p, nil)
	var bufB *mat.Dense
	if !sym {
		bufB = mat.NewDense(min(crossGramBlock, n), q, nil)
	}
	for r0 := 0; r0 < n; r0 += crossGramBlock {
		if ctx.Err() != nil {
			break
		}
		r1 := min(r0+crossGramBlock, n)
		ba := bufA.Slice(0, r1-r0, 0, p).(*mat.Dense)
		centreBlock(ba, a, ma, r0, r1)
		ga := ba.RawMatrix()
		if sym {
			blas64.Syrk(blas.Trans, 1, ga, 1, blas64.Symmetric{Uplo: blas.Upper, N: p, Stride: q, Data: out.Data})
			continue
		}
		bb := bufB.Slice(0, r1-r0, 0, q).(*mat.Dense)
		centreBlock(bb, b, mb, r0, r1)
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, ga, bb.RawMatrix(), 1, out)
	}
	if sym {
		for i := 0; i < p; i++ {
			for j := 0; j < i; j++ {
				out.Data[i*q+j] = out.Data[j*q+i]
			}
		}
	}
	return mat.NewDense(p, q, out.Data)
}

// Pair returns the CrossGram of sets i and j (sharing the blocks; A = set i).
func (m *MultiGram) Pair(i, j int) *CrossGram {
	lo, hi := min(i, j), max(i, j)
	ab, ok := m.blocks[[2]int{lo, hi}]
	if !ok {
		panic(fmt.Sprintf("analysis: MultiGram.Pair(%d, %d) of %d sets", i, j, len(m.Means)))
	}
	if i > j {
		ab = mat.DenseCopyOf(ab.T())
	}
	return &CrossGram{Rows: m.Rows, MeanA: m.Means[i], MeanB: m.Means[j],
		AA: symOf(m.blocks[[2]int{i, i}]), BB: symOf(m.blocks[[2]int{j, j}]), AB: ab}
}

func symOf(d *mat.Dense) *mat.SymDense {
	r, _ := d.Dims()
	raw := d.RawMatrix()
	return mat.NewSymDense(r, raw.Data[:r*r])
}
