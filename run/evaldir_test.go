package run

import (
	"slices"
	"strings"
	"testing"

	"github.com/ctdtui/ctdtui/presets"
)

// The Task tab's settings become the changes of an evaluation: the task
// settings that differ, not the trials' count or seed.
func TestTaskChanges(t *testing.T) {
	base, err := presets.Embedded("multitask-small")
	if err != nil {
		t.Fatal(err)
	}
	edited := base
	edited.Task.MultiTask.Tasks = []string{"DelayPro"}
	edited.Task.MultiTask.Noise = 0.5
	edited.Task.Samples, edited.Task.Seed = 7, 9
	edited.Model.Latent = 3      // not a task setting
	edited.Task.NBFF.Noise = 0.9 // not this task's
	ch := TaskChanges(base, edited)
	want := []string{"task.multitask.tasks=DelayPro", "task.multitask.noise=0.5"}
	if !slices.Equal(ch.Sets, want) || ch.Task != "" || ch.Seed != -1 || ch.Samples != 0 {
		t.Fatalf("changes %+v, want sets %v and the run's trials", ch, want)
	}
	cfg, res, err := EvalConfig(base, ch)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Task.MultiTask.Noise != 0.5 || !slices.Equal(cfg.Task.MultiTask.Tasks, []string{"DelayPro"}) || res.Samples != base.Task.Samples || res.Seed != base.Task.Seed {
		t.Fatalf("config %+v, changes %+v", cfg.Task, res)
	}
	if len(base.Task.MultiTask.Tasks) != 4 {
		t.Fatal("EvalConfig changed the run's configuration")
	}
	if ch := TaskChanges(base, base); len(ch.Sets) != 0 || ch.Describe() != "the run's own settings" {
		t.Fatalf("no change: %+v", ch)
	}
	edited = base
	edited.Task.Kind = "nbff"
	if _, _, err := EvalConfig(base, TaskChanges(base, edited)); err == nil || !strings.Contains(err.Error(), "--task nbff") {
		t.Fatalf("another task kind: %v", err)
	}
}
