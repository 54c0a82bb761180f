package nets

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
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
