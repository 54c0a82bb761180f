package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkSliderKey is one → on the bits slider and the redraw that follows
// at 250×70: a new sample trial, the preview (channels and cube) and the form.
func BenchmarkSliderKey(b *testing.B) {
	m := newTestModel(b, "3bff-gru128", 250, 70)
	focus(b, m, "task.nbff.bits")
	keys := []tea.KeyMsg{keyOf('→'), keyOf('←')}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(keys[i%2])
		_ = m.View()
	}
}

// BenchmarkTrainRedraw is one poll with a new epoch and the redraw of the
// Train tab at 250×70 with 500 epochs of history.
func BenchmarkTrainRedraw(b *testing.B) {
	m := newTestModel(b, "3bff-small", 250, 70)
	press(m, keyOf('2'))
	withTrainingHistory(b, m)
	for e := 31; e <= 500; e++ {
		m.train.chart.Add(e, 1/float64(e), 1.1/float64(e))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.train.chart.Add(501+i, 0.001, 0.002)
		_ = m.View()
	}
}

// BenchmarkKeyWhileChartClean is a key that changes nothing drawn on the
// Train tab: the cached chart is reused.
func BenchmarkKeyWhileChartClean(b *testing.B) {
	m := newTestModel(b, "3bff-small", 250, 70)
	press(m, keyOf('2'))
	withTrainingHistory(b, m)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(keyOf('j'))
		_ = m.View()
	}
}
