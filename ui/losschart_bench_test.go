package ui

import (
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// BenchmarkLossChartRedraw is the loss chart alone after a new epoch at
// 200×60 (main's own canvas ran the same benchmark for the README's table).
func BenchmarkLossChartRedraw(b *testing.B) {
	old := lipgloss.ColorProfile()
	lipgloss.SetColorProfile(termenv.ANSI256)
	defer lipgloss.SetColorProfile(old)
	c := newLossChart(testShared(false))
	c.SetSize(200, 60)
	for e := 1; e <= 500; e++ {
		c.Add(e, 1/float64(e), 1.1/float64(e))
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Add(501+i, 0.001, 0.002)
		c.View()
	}
}
