package analysis

import (
	"math"
	"slices"
)

// Places and the q-threshold ladder.
//
// A search ends with one final state per initial state. Many end at the same
// place: the corners of a flip-flop network collect hundreds of rows each,
// and rows that stop on a slow manifold (Adam's iterations ran out, or the
// map only nearly has a fixed point there) stop a little apart from each
// other. The ladder must count places, not initial states, so rows are
// grouped once, independently of any q threshold:
//
//   - fixed points (q < FixedQ after Newton refinement) are one point when
//     within TolUnique of each other (the finder's get_unique: they are the
//     same numerical solution of F(x) = x; distinct solutions are never
//     merged, however close);
//   - every other row with q below the ladder's largest threshold belongs to
//     the nearest fixed point within the place radius, else to its
//     single-linkage cluster: rows within the place radius of each other,
//     transitively, are one place (so a line of slow points is one place,
//     not a string of beads). The radius is half the smallest distance
//     between two fixed points (defaultPlaceRadius): slow points are
//     resolved as finely as the fixed points are, and no slow row is ever
//     within the radius of two fixed points.
//
// A place's q is its best row's q and that row is its representative (its
// Jacobian, eigenvalues and stability type). A place is present under a
// threshold τ when its q < τ, so the counts are monotone in τ, and since the
// grouping does not depend on SlowQ, a search with SlowQ = τ reports
// exactly the ladder's rung at τ.

// DefaultLadder returns the thresholds 1e-1, 1e-2, …, 1e-14.
func DefaultLadder() []float64 {
	out := make([]float64, 14)
	for i := range out {
		out[i] = math.Pow(10, -float64(i+1))
	}
	return out
}

// LadderRung is the architecture under one q threshold.
type LadderRung struct {
	QThresh float64 `json:"q_thresh"`
	// Rows counts the initial states whose final q is below QThresh
	// (outliers excluded).
	Rows int `json:"rows"`
	// Places = Fixed + Slow distinct places with q < QThresh: fixed points
	// and slow places (slow and loose points).
	Places int `json:"places"`
	Fixed  int `json:"fixed"`
	Slow   int `json:"slow"`
	// Types splits the places by stability type.
	Types TypeCounts `json:"types"`
}

// TypeCounts counts points by stability type.
type TypeCounts struct {
	Stable int `json:"stable"`
	// Saddles[k] counts saddles with k unstable directions.
	Saddles  map[int]int `json:"saddles"`
	Unstable int         `json:"unstable"`
	// Unknown: no Jacobian (NoJacobians) or non-finite eigenvalues.
	Unknown int `json:"unknown"`
	// Rotational: leading eigenvalue complex. WithSlowModes: at least one
	// |λ| within SlowModeTol of 1. Both are marks on top of the type.
	Rotational    int `json:"rotational"`
	WithSlowModes int `json:"with_slow_modes"`
}

// Add counts p.
func (c *TypeCounts) Add(p *FixedPoint) {
	switch p.Kind() {
	case KindStable:
		c.Stable++
	case KindSaddle:
		if c.Saddles == nil {
			c.Saddles = map[int]int{}
		}
		c.Saddles[p.NUnstable]++
	case KindUnstable:
		c.Unstable++
	default:
		c.Unknown++
	}
	if p.Rotational {
		c.Rotational++
	}
	if p.SlowModes > 0 {
		c.WithSlowModes++
	}
}

// SaddleTotal is the number of saddles of any index.
func (c *TypeCounts) SaddleTotal() int {
	n := 0
	for _, v := range c.Saddles {
		n += v
	}
	return n
}

// SaddleIndices returns the saddle indices (numbers of unstable directions)
// present, ascending.
func (c *TypeCounts) SaddleIndices() []int {
	var ks []int
	for k, v := range c.Saddles {
		if v > 0 {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// PlaceLadder counts the places of a refine-mode result under each
// threshold: a place counts under τ when its q < τ.
func PlaceLadder(res *FixedPointResult, thresholds []float64) []LadderRung {
	out := make([]LadderRung, len(thresholds))
	for i, tau := range thresholds {
		r := LadderRung{QThresh: tau}
		for _, row := range res.Rows {
			if row.Class != RowOutlier && row.Q < tau {
				r.Rows++
			}
		}
		count := func(pts []FixedPoint, fixed bool) {
			for k := range pts {
				if !(pts[k].Q < tau) {
					continue
				}
				if fixed {
					r.Fixed++
				} else {
					r.Slow++
				}
				r.Types.Add(&pts[k])
			}
		}
		count(res.FixedPoints, true)
		count(res.SlowPoints, false)
		count(res.LoosePoints, false)
		r.Places = r.Fixed + r.Slow
		out[i] = r
	}
	return out
}

// ReferenceLadder is the ladder CTD's procedure gives (reference mode): under
// each threshold the rows with q < τ, merged by UniqueFixedPoints within tol
// over [x, u], each distinct point linearised on m (once per representative
// row). Unlike PlaceLadder its counts need not be monotone: a merge walk over
// more rows can join points that were apart.
func ReferenceLadder(res *FixedPointResult, m Map, thresholds []float64, tol float64) []LadderRung {
	lin := map[int]*FixedPoint{}
	out := make([]LadderRung, len(thresholds))
	for i, tau := range thresholds {
		var below []FixedPoint
		for k, row := range res.Rows {
			if row.Q < tau {
				below = append(below, FixedPoint{X: row.X, U: row.U, Q: row.Q, Rows: []int{k}})
			}
		}
		pts := UniqueFixedPoints(below, tol, true)
		r := LadderRung{QThresh: tau, Rows: len(below), Places: len(pts), Slow: len(pts)}
		for _, p := range pts {
			rep := p.Rows[0]
			// UniqueFixedPoints keeps the best member's X; find its row.
			for _, k := range p.Rows {
				if res.Rows[k].Q == p.Q && sameSlice(res.Rows[k].X, p.X) {
					rep = k
					break
				}
			}
			fp, ok := lin[rep]
			if !ok {
				fp = &FixedPoint{X: res.Rows[rep].X, U: res.Rows[rep].U, Q: res.Rows[rep].Q}
				if m != nil {
					Linearize(m, fp)
				}
				lin[rep] = fp
			}
			r.Types.Add(fp)
		}
		out[i] = r
	}
	return out
}

func sameSlice(a, b []float64) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0] || slices.Equal(a, b))
}

// classifyRows labels the rows fixed/slow/unconverged/outlier, groups them
// into places (see the comment at the top of this file) and fills
// res.FixedPoints, res.SlowPoints, res.LoosePoints and res.PlaceRadius.
func classifyRows(res *FixedPointResult, init []float64, n, h int, c *fpConfig) {
	// Distance-outlier reference: centroid of the initial states and their
	// mean distance from it (Golub & Sussillo's finder).
	centroid := make([]float64, h)
	for i := 0; i < n; i++ {
		for k := 0; k < h; k++ {
			centroid[k] += init[i*h+k]
		}
	}
	for k := range centroid {
		centroid[k] /= float64(n)
	}
	meanDist := 0.0
	for i := 0; i < n; i++ {
		meanDist += dist(init[i*h:(i+1)*h], centroid)
	}
	meanDist /= float64(n)
	top := c.SlowQ
	for _, q := range c.Ladder {
		top = math.Max(top, q)
	}

	var fixedRows, otherRows []int
	for i := range res.Rows {
		r := &res.Rows[i]
		r.Point = -1
		switch {
		case r.Q < c.FixedQ:
			r.Class = RowFixed
		case r.Q < c.SlowQ:
			r.Class = RowSlow
		default:
			r.Class = RowUnconverged
		}
		if r.Q < top && c.OutlierScale > 0 && meanDist > 0 && dist(r.X, centroid)/meanDist >= c.OutlierScale {
			r.Class = RowOutlier
			res.NOutliers++
			continue
		}
		switch {
		case r.Class == RowUnconverged:
			res.NUnconverged++
			if r.Q < top {
				otherRows = append(otherRows, i)
			}
		case r.Class == RowFixed:
			fixedRows = append(fixedRows, i)
		default:
			otherRows = append(otherRows, i)
		}
	}

	// Fixed points: the finder's greedy merge within TolUnique.
	fixedClusters := greedyClusters(res.Rows, fixedRows, c.TolUnique)
	fixedReps := make([]int, len(fixedClusters))
	for k, cl := range fixedClusters {
		fixedReps[k] = bestRow(res.Rows, cl)
	}
	radius := c.TolUniqueSlow
	if radius == 0 {
		radius = defaultPlaceRadius(res.Rows, fixedReps, c.PlaceScale*meanDist)
	}
	res.PlaceRadius = radius
	// Other rows: to the nearest fixed point within the radius, else by
	// single linkage among themselves.
	var loose []int
	for _, i := range otherRows {
		best, bestD := -1, math.Inf(1)
		for k, rep := range fixedReps {
			if d := distXU(res.Rows[i].X, res.Rows[i].U, res.Rows[rep].X, res.Rows[rep].U); d <= radius && d < bestD {
				best, bestD = k, d
			}
		}
		if best >= 0 {
			fixedClusters[best] = append(fixedClusters[best], i)
		} else {
			loose = append(loose, i)
		}
	}
	slowClusters := linkageClusters(res.Rows, loose, radius)

	var slow, looser []FixedPoint
	res.FixedPoints = nil
	for _, cl := range fixedClusters {
		res.FixedPoints = append(res.FixedPoints, placeOf(res.Rows, cl))
	}
	for _, cl := range slowClusters {
		p := placeOf(res.Rows, cl)
		if p.Q < c.SlowQ {
			slow = append(slow, p)
		} else {
			looser = append(looser, p)
		}
	}
	res.SlowPoints, res.LoosePoints = slow, looser
	for k, p := range res.Places() {
		for _, i := range p.Rows {
			res.Rows[i].Point = k
		}
	}
}

// defaultPlaceRadius is half the smallest distance between two distinct
// fixed points: the finest resolution at which the fixed points are told
// apart, and the largest radius at which "the nearest fixed point within the
// radius" is never a choice between two (their discs are disjoint). With
// fewer than two fixed points it is fallback.
func defaultPlaceRadius(rows []FixedPointRow, reps []int, fallback float64) float64 {
	if len(reps) < 2 {
		return fallback
	}
	minD := math.Inf(1)
	for a := range reps {
		for b := a + 1; b < len(reps); b++ {
			minD = math.Min(minD, distXU(rows[reps[a]].X, rows[reps[a]].U, rows[reps[b]].X, rows[reps[b]].U))
		}
	}
	return minD / 2
}

// greedyClusters is the finder's merge walk over the rows idx (in order):
// each unassigned row gathers the unassigned rows within tol of it.
func greedyClusters(rows []FixedPointRow, idx []int, tol float64) [][]int {
	var out [][]int
	used := make([]bool, len(idx))
	for a := range idx {
		if used[a] {
			continue
		}
		var cl []int
		for b := a; b < len(idx); b++ {
			if !used[b] && distXU(rows[idx[a]].X, rows[idx[a]].U, rows[idx[b]].X, rows[idx[b]].U) <= tol {
				used[b] = true
				cl = append(cl, idx[b])
			}
		}
		out = append(out, cl)
	}
	return out
}

// linkageClusters groups the rows idx into single-linkage clusters: rows
// within tol of each other, transitively. Clusters come in the order of
// their first row, members in row order.
func linkageClusters(rows []FixedPointRow, idx []int, tol float64) [][]int {
	parent := make([]int, len(idx))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for a := range idx {
		for b := a + 1; b < len(idx); b++ {
			if distXU(rows[idx[a]].X, rows[idx[a]].U, rows[idx[b]].X, rows[idx[b]].U) <= tol {
				ra, rb := find(a), find(b)
				if ra != rb {
					parent[max(ra, rb)] = min(ra, rb)
				}
			}
		}
	}
	pos := map[int]int{}
	var out [][]int
	for a := range idx {
		r := find(a)
		k, ok := pos[r]
		if !ok {
			k = len(out)
			pos[r] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], idx[a])
	}
	return out
}

// bestRow is the member with the smallest q (the first on ties).
func bestRow(rows []FixedPointRow, cl []int) int {
	best := cl[0]
	for _, i := range cl {
		if rows[i].Q < rows[best].Q {
			best = i
		}
	}
	return best
}

// placeOf makes the point of a cluster: its best row's state, input and q,
// with Rows listing the best row first, then the others in row order.
func placeOf(rows []FixedPointRow, cl []int) FixedPoint {
	slices.Sort(cl)
	best := bestRow(rows, cl)
	ordered := []int{best}
	for _, i := range cl {
		if i != best {
			ordered = append(ordered, i)
		}
	}
	return FixedPoint{X: slices.Clone(rows[best].X), U: slices.Clone(rows[best].U), Q: rows[best].Q, Rows: ordered}
}
