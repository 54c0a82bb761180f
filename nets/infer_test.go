package nets

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ctdtui/ctdtui/sim"
)

// TestInferDeterministicAndChunkFree: the same seed gives the same latents
// whatever the chunking and worker split, and they match a direct tape run.
func TestInferDeterministicAndChunkFree(t *testing.T) {
	task, d := smallFlipFlop(t, 30)
	m, err := New[float32](Config{Kind: KindNoisyGRU, Inputs: 3, Latent: 6, Outputs: 3, ICStd: 0.05, Noise: 0.05}, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	trials := d.Valid
	a, err := Infer(context.Background(), m, task, d, trials, &InferOptions{Seed: 9, Chunk: 256, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Infer(context.Background(), m, task, d, trials, &InferOptions{Seed: 9, Chunk: 4, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.AllLatents(), b.AllLatents()) {
		t.Fatal("latents depend on chunking or workers")
	}
	c, _ := Infer(context.Background(), m, task, d, trials, &InferOptions{Seed: 10})
	if slices.Equal(a.AllLatents(), c.AllLatents()) {
		t.Fatal("a different seed gave the same noisy latents")
	}
	// Direct run of trial k through a tape with the same noise stream.
	k := 3
	tape := m.NewTape(1, d.Len(trials[k]))
	tape.Reset(1, NewNoise(9, []int{trials[k]}))
	y := make([]float32, 3)
	in := d.Inputs(trials[k])
	for s := 0; s < d.Len(trials[k]); s++ {
		tape.Step(in[s*3:(s+1)*3], y)
		if !slices.Equal(tape.Latent(s), a.Latents(k)[s*6:(s+1)*6]) {
			t.Fatalf("step %d: inference latents differ from a direct run", s)
		}
	}
	if !slices.Equal(y, a.Outputs(k)[len(a.Outputs(k))-3:]) {
		t.Fatal("final outputs differ")
	}
	if !slices.Equal(a.Inputs(k), in) {
		t.Fatal("recorded inputs differ from the dataset's (no dynamic noise configured)")
	}
}

// TestInferClosedLoop: closed-loop inference records what a direct rollout of
// the same batch produces (latents, outputs, controlled variable, inputs with
// their fed-back observations), whatever the chunking and worker split, and
// the plant's states.
func TestInferClosedLoop(t *testing.T) {
	task, d := shortReach(t, 0.4, 12)
	m, err := New[float32](Config{Kind: KindGRU, Inputs: task.ModelInputDim(), Latent: 8, Outputs: task.OutputDim(), ICStd: 0.05}, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	trials := append(append([]int(nil), d.Train...), d.Valid...)
	a, err := Infer(context.Background(), m, task, d, trials, &InferOptions{Seed: 4, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Infer(context.Background(), m, task, d, trials, &InferOptions{Seed: 4, Chunk: 5, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for k := range trials {
		for name, pair := range map[string][2][]float32{
			"latents": {a.Latents(k), b.Latents(k)}, "outputs": {a.Outputs(k), b.Outputs(k)},
			"controlled": {a.Controlled(k), b.Controlled(k)}, "inputs": {a.Inputs(k), b.Inputs(k)},
			"plant states": {a.PlantStates(k), b.PlantStates(k)}, "plant initial": {a.PlantInitial(k), b.PlantInitial(k)},
		} {
			if len(pair[0]) == 0 || !slices.Equal(pair[0], pair[1]) {
				t.Fatalf("trial %d: %s empty or dependent on chunking", k, name)
			}
		}
	}
	// A direct rollout of the whole set as one batch.
	r := newRunner(m, task, len(trials), 2)
	var batch sim.Batch
	d.FillBatch(&batch, trials, 0, 0)
	if err := r.forward(&batch, NewNoise(4, trials), true, false); err != nil {
		t.Fatal(err)
	}
	B, H, O, C := len(trials), 8, task.OutputDim(), a.C
	for k := range trials {
		for s := 0; s < a.Len(k); s++ {
			at := (s*B + k)
			for j := 0; j < H; j++ {
				if a.Latents(k)[s*H+j] != float32(r.out.Latents[at*H+j]) {
					t.Fatalf("trial %d step %d: latent differs from a direct rollout", k, s)
				}
			}
			for j := 0; j < O; j++ {
				if a.Outputs(k)[s*O+j] != float32(r.out.Actions[at*O+j]) {
					t.Fatalf("trial %d step %d: output differs from a direct rollout", k, s)
				}
			}
			for j := 0; j < C; j++ {
				if a.Controlled(k)[s*C+j] != float32(r.out.Controlled[at*C+j]) {
					t.Fatalf("trial %d step %d: controlled variable differs from a direct rollout", k, s)
				}
			}
		}
	}
}
