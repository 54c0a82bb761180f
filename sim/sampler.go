package sim

import "math/rand/v2"

// Sampler orders the training trials into mini-batches for one epoch.
// Randomness comes from rng (ctdtui's own seeded stream: the reference shuffles
// with numpy's global generator, whose state also depends on torch-side draws
// that cannot be reproduced, so only the behaviour is kept, not the draws).
type Sampler interface {
	Epoch(train []int, batchSize int, rng *rand.Rand) [][]int
}

// RandomSampler shuffles all training trials and cuts consecutive batches (the last
// one short), as torch's RandomSampler with a BatchSampler does.
type RandomSampler struct{}

// Epoch implements Sampler.
func (RandomSampler) Epoch(train []int, batchSize int, rng *rand.Rand) [][]int {
	idx := append([]int(nil), train...)
	rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	return Chunk(idx, batchSize)
}

// Chunk cuts idx into consecutive batches of batchSize (the last one short).
func Chunk(idx []int, batchSize int) [][]int {
	if batchSize < 1 {
		panic("sim: batch size must be positive")
	}
	var out [][]int
	for s := 0; s < len(idx); s += batchSize {
		out = append(out, idx[s:min(s+batchSize, len(idx))])
	}
	return out
}

// DatasetSampler is a Sampler that needs the dataset itself (e.g. its
// conditions) to form batches. Trainers pass every task's sampler through
// BindSampler once the training dataset exists.
type DatasetSampler interface {
	Sampler
	// ForDataset returns the sampler bound to d.
	ForDataset(d *Dataset) Sampler
}

// BindSampler returns s bound to d when s is a DatasetSampler, else s unchanged.
func BindSampler(s Sampler, d *Dataset) Sampler {
	if ds, ok := s.(DatasetSampler); ok {
		return ds.ForDataset(d)
	}
	return s
}
