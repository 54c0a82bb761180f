package sim

import (
	"math/rand/v2"
	"slices"
)

// GroupedSampler makes single-task batches (the reference's GroupedSampler, used
// by MultiTask when grouped_sampler is set; spec §5.5).
//
// The training trials are grouped by condition (the task index), keeping their
// order in the training set within each group (the reference groups positions
// of the training subset in ascending order, i.e. the split's order). Each epoch
// the list of groups is shuffled, then the groups are visited round-robin, each
// visit taking the group's next batch of up to batchSize consecutive trials,
// until every group is exhausted. Batch compositions are therefore the same in
// every epoch; only their order changes.
//
// [reference bug, not reproduced] The original computes its stopping condition
// from the group sizes before the shuffle and indexes the groups after it, so
// with unequal group sizes an epoch can end early (trials skipped) or never end.
// Here every training trial appears exactly once per epoch.
//
// A GroupedSampler needs the dataset's conditions: the zero value (what
// MultiTask.Sampler returns) must be bound with BindSampler before use.
type GroupedSampler struct {
	// Conds holds the condition of every trial of the dataset, by trial index.
	Conds []int
}

// ForDataset implements DatasetSampler.
func (s GroupedSampler) ForDataset(d *Dataset) Sampler { return GroupedSampler{Conds: d.Conds} }

// Epoch implements Sampler.
func (s GroupedSampler) Epoch(train []int, batchSize int, rng *rand.Rand) [][]int {
	if s.Conds == nil {
		panic("sim: GroupedSampler has no conditions; bind it with BindSampler(sampler, dataset)")
	}
	if batchSize < 1 {
		panic("sim: batch size must be positive")
	}
	groups := map[int][]int{}
	for _, i := range train {
		c := s.Conds[i]
		groups[c] = append(groups[c], i)
	}
	keys := make([]int, 0, len(groups))
	for c := range groups {
		keys = append(keys, c)
	}
	slices.Sort(keys) // a fixed order before the shuffle keeps epochs deterministic
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	chunks := make([][][]int, len(keys))
	rounds := 0
	for g, c := range keys {
		chunks[g] = Chunk(groups[c], batchSize)
		rounds = max(rounds, len(chunks[g]))
	}
	var out [][]int
	for round := range rounds {
		for g := range keys {
			if round < len(chunks[g]) {
				out = append(out, chunks[g][round])
			}
		}
	}
	return out
}
