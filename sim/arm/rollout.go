package arm

import "fmt"

// ICDim is the size of one trial's initial condition: q1, q2, q̇1, q̇2.
const ICDim = 4

// tapeSize is what one trial-step stores for the backward pass: the state at the
// start of the step, the raw excitation and the endpoint load.
const tapeSize = StateSize + NumMuscles + 2

// Rollout runs B independent trials of the arm for up to T steps and records the
// tape its Backward needs. Its Obs, Step and Backward methods have the contract
// of sim.Episode: forward calls alternate Obs and Step for t = 0..T-1; Backward
// is then called for t = taken-1 down to 0. Batched arrays are row-major B×dim.
//
// A Rollout is not safe for concurrent use; trials are independent, so a batch
// may be split by rows across goroutines, one Rollout each.
type Rollout struct {
	arm   *Arm
	B, T  int
	taken int // steps taken since Begin
	next  int // next step Backward expects (taken-1 first), -1 when not started
	cur   []State
	adj   []State
	tape  []float64 // T×B×tapeSize
	// Sines and cosines of the joint angles, so that each configuration's are
	// evaluated once per pass: of cur during the forward pass, of the state after
	// the step being walked back during the backward pass.
	trig, trigAfter []trig
	// The force field and each trial's level (SetField; none after Begin).
	field  Field
	levels []float64
}

// NewRollout returns an empty rollout of arm a; call Begin before use.
func NewRollout(a *Arm) *Rollout { return &Rollout{arm: a} }

// Arm returns the rollout's arm.
func (r *Rollout) Arm() *Arm { return r.arm }

// Begin starts B trials from ics (B×ICDim: q1, q2, q̇1, q̇2) for up to T steps,
// reusing the rollout's buffers. It returns an error naming the trial if an
// initial state lies outside the joint limits.
func (r *Rollout) Begin(ics []float64, B, T int) error {
	if B < 0 || T < 0 || len(ics) != B*ICDim {
		panic(fmt.Sprintf("arm: Begin with %d initial values for B=%d, T=%d (want B×%d)", len(ics), B, T, ICDim))
	}
	r.B, r.T, r.taken, r.next = B, T, 0, -1
	r.field = Field{Kind: FieldNone}
	r.levels = r.levels[:0]
	r.cur = grow(r.cur, B)
	r.adj = grow(r.adj, B)
	r.trig = growTrig(r.trig, B)
	r.trigAfter = growTrig(r.trigAfter, B)
	if n := T * B * tapeSize; cap(r.tape) < n {
		r.tape = make([]float64, n)
	} else {
		r.tape = r.tape[:n]
	}
	for b := range B {
		ic := ics[b*ICDim : (b+1)*ICDim]
		if err := r.arm.Reset(&r.cur[b], [2]float64{ic[0], ic[1]}, [2]float64{ic[2], ic[3]}); err != nil {
			return fmt.Errorf("trial %d: %w", b, err)
		}
		r.trig[b].set(r.cur[b].Q)
	}
	return nil
}

func grow(s []State, n int) []State {
	if cap(s) < n {
		return make([]State, n)
	}
	return s[:n]
}

func growTrig(s []trig, n int) []trig {
	if cap(s) < n {
		return make([]trig, n)
	}
	return s[:n]
}

// SetField puts the trials begun by Begin under force field f, trial b at
// levels[b] (nil: every level 0). Call it after Begin and before the first
// Step; Begin turns the field off again.
func (r *Rollout) SetField(f Field, levels []float64) {
	if r.taken > 0 {
		panic("arm: SetField after the first Step")
	}
	if levels != nil && len(levels) != r.B {
		panic(fmt.Sprintf("arm: SetField with %d levels for %d trials", len(levels), r.B))
	}
	r.field = f
	r.levels = append(r.levels[:0], levels...)
	for len(r.levels) < r.B {
		r.levels = append(r.levels, 0)
	}
}

// Field returns the rollout's force field and trial b's level.
func (r *Rollout) Field(b int) (Field, float64) {
	if !r.field.Active() {
		return r.field, 0
	}
	return r.field, r.levels[b]
}

// Taken returns the number of steps taken since Begin.
func (r *Rollout) Taken() int { return r.taken }

// Obs writes the current observation of every trial (B×ObsDim).
func (r *Rollout) Obs(dst []float64) {
	checkLen("observation", dst, r.B*ObsDim)
	for b := range r.B {
		r.arm.observe(dst[b*ObsDim:(b+1)*ObsDim], &r.cur[b], &r.trig[b])
	}
}

// Step applies the raw excitations action (B×NumMuscles, clamped to the
// activation range) and the endpoint loads load (B×2 [N], nil for none) for one
// step, records the tape, and writes each trial's hand position after the step
// into ctl (B×2).
func (r *Rollout) Step(action, load, ctl []float64) {
	if r.taken >= r.T {
		panic(fmt.Sprintf("arm: Step beyond the %d steps given to Begin", r.T))
	}
	checkLen("action", action, r.B*NumMuscles)
	checkLen("controlled output", ctl, r.B*2)
	if load != nil {
		checkLen("load", load, r.B*2)
	}
	r.next = -1 // a later Backward starts from the new last step
	row := r.tape[r.taken*r.B*tapeSize : (r.taken+1)*r.B*tapeSize]
	var v stepVals
	for b := range r.B {
		s := &r.cur[b]
		rec := row[b*tapeSize : (b+1)*tapeSize]
		putState(rec, s)
		u := action[b*NumMuscles : (b+1)*NumMuscles]
		copy(rec[StateSize:], u)
		var l []float64
		if load != nil {
			l = load[b*2 : b*2+2]
		}
		var fl [2]float64
		if r.field.Active() {
			// The tape keeps the total endpoint load, so that the backward
			// pass's re-run of the step sees the same force.
			fl = r.arm.fieldLoad(&r.trig[b], s, l, r.field, r.levels[b])
			l = fl[:]
		}
		if l != nil {
			rec[StateSize+NumMuscles], rec[StateSize+NumMuscles+1] = l[0], l[1]
		} else {
			rec[StateSize+NumMuscles], rec[StateSize+NumMuscles+1] = 0, 0
		}
		v.t = r.trig[b]
		r.arm.forward(&v, s, u, l)
		*s = v.next
		r.trig[b].set(s.Q)
		ctl[b*2], ctl[b*2+1] = r.arm.handPos(&r.trig[b])
	}
	r.taken++
}

// Backward walks back over step t (called for t = Taken()-1 first, then in
// decreasing order). dObsNext (B×ObsDim) is d loss / d (observation after step t)
// and dCtl (B×2) d loss / d (hand position after step t); either may be nil for
// zero. It writes d loss / d action_t into dAction (B×NumMuscles, overwritten)
// and carries the state adjoint to the previous step.
func (r *Rollout) Backward(t int, dObsNext, dCtl, dAction []float64) {
	switch {
	case r.next == -1 && t == r.taken-1:
		clear(r.adj)
		copy(r.trigAfter, r.trig)
	case r.next >= 0 && t == r.next:
	default:
		panic(fmt.Sprintf("arm: Backward(%d) out of order (steps taken %d, expected step %d)", t, r.taken, r.expected()))
	}
	checkLen("action gradient", dAction, r.B*NumMuscles)
	if dObsNext != nil {
		checkLen("observation gradient", dObsNext, r.B*ObsDim)
	}
	if dCtl != nil {
		checkLen("controlled-output gradient", dCtl, r.B*2)
	}
	var v stepVals
	var s, after State
	for b := range r.B {
		g := &r.adj[b]
		if t == r.taken-1 {
			after = r.cur[b]
		} else {
			getState(&after, r.tape[((t+1)*r.B+b)*tapeSize:])
		}
		var do, dc []float64
		if dObsNext != nil {
			do = dObsNext[b*ObsDim : (b+1)*ObsDim]
		}
		if dCtl != nil {
			dc = dCtl[b*2 : b*2+2]
		}
		r.arm.observeBackward(g, &after, &r.trigAfter[b], do, dc)
		rec := r.tape[(t*r.B+b)*tapeSize : (t*r.B+b+1)*tapeSize]
		getState(&s, rec)
		u := rec[StateSize : StateSize+NumMuscles]
		l := rec[StateSize+NumMuscles : StateSize+NumMuscles+2]
		v.t.set(s.Q)
		r.trigAfter[b] = v.t
		r.arm.forward(&v, &s, u, l)
		r.arm.backward(g, &v, &s, u, dAction[b*NumMuscles:(b+1)*NumMuscles])
		if r.field.Kind == FieldCurl {
			r.arm.fieldBackward(g, &v, &s, r.field, r.levels[b])
		}
	}
	r.next = t - 1
}

func (r *Rollout) expected() int {
	if r.next == -1 {
		return r.taken - 1
	}
	return r.next
}

// StateAdjoint returns d loss / d (state at the start of the last step walked
// back) for trial b: after Backward(0, …) the gradient with respect to the
// initial state.
func (r *Rollout) StateAdjoint(b int) State { return r.adj[b] }

// Frame is the inspectable state of one trial at one time.
type Frame struct {
	Q, QDot [2]float64  // joint angles [rad] and velocities [rad/s]
	Hand    [4]float64  // hand x, y [m] and ẋ, ẏ [m/s]
	Muscle  MuscleState // activations, fibre lengths and velocities, curve values, forces [N]
}

// Frame writes the state of trial b at time t: t = 0 is the state at Begin and
// t = k+1 the state after step k, for 0 ≤ t ≤ Taken(). Everything is recomputed
// from the tape, so recording costs nothing during training.
func (r *Rollout) Frame(dst *Frame, t, b int) {
	if t < 0 || t > r.taken || b < 0 || b >= r.B {
		panic(fmt.Sprintf("arm: Frame(t=%d, b=%d) outside %d steps × %d trials", t, b, r.taken, r.B))
	}
	var s State
	if t == r.taken {
		s = r.cur[b]
	} else {
		getState(&s, r.tape[(t*r.B+b)*tapeSize:])
	}
	dst.Q, dst.QDot = s.Q, s.QDot
	dst.Hand = r.arm.Hand(s.Q, s.QDot)
	r.arm.Muscles(&dst.Muscle, &s)
}

// Load returns the endpoint load [N] that acted on trial b's hand during step
// t (0 ≤ t < Taken()): the external load (bump) plus the field's force.
func (r *Rollout) Load(t, b int) [2]float64 {
	if t < 0 || t >= r.taken || b < 0 || b >= r.B {
		panic(fmt.Sprintf("arm: Load(t=%d, b=%d) outside %d steps × %d trials", t, b, r.taken, r.B))
	}
	rec := r.tape[(t*r.B+b)*tapeSize+StateSize+NumMuscles:]
	return [2]float64{rec[0], rec[1]}
}

// Excitation returns the raw command of trial b at step t (0 ≤ t < Taken()).
func (r *Rollout) Excitation(t, b int) [NumMuscles]float64 {
	if t < 0 || t >= r.taken || b < 0 || b >= r.B {
		panic(fmt.Sprintf("arm: Excitation(t=%d, b=%d) outside %d steps × %d trials", t, b, r.taken, r.B))
	}
	var u [NumMuscles]float64
	copy(u[:], r.tape[(t*r.B+b)*tapeSize+StateSize:])
	return u
}

func putState(dst []float64, s *State) {
	_ = dst[StateSize-1]
	dst[0], dst[1], dst[2], dst[3] = s.Q[0], s.Q[1], s.QDot[0], s.QDot[1]
	copy(dst[4:4+NumMuscles], s.Act[:])
	copy(dst[4+NumMuscles:4+2*NumMuscles], s.Len[:])
	copy(dst[4+2*NumMuscles:4+3*NumMuscles], s.Vel[:])
}

func getState(s *State, src []float64) {
	_ = src[StateSize-1]
	s.Q = [2]float64{src[0], src[1]}
	s.QDot = [2]float64{src[2], src[3]}
	copy(s.Act[:], src[4:4+NumMuscles])
	copy(s.Len[:], src[4+NumMuscles:4+2*NumMuscles])
	copy(s.Vel[:], src[4+2*NumMuscles:4+3*NumMuscles])
}

func checkLen(name string, a []float64, n int) {
	if len(a) != n {
		panic(fmt.Sprintf("arm: %s has %d values, want %d", name, len(a), n))
	}
}
