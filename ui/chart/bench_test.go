package chart

import (
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// BenchmarkLineChartRedraw is the loss chart's redraw after a new epoch:
// two curves of 500 points at 190×60 cells, in 256 colours.
func BenchmarkLineChartRedraw(b *testing.B) {
	old := lipgloss.ColorProfile()
	lipgloss.SetColorProfile(termenv.ANSI256)
	defer lipgloss.SetColorProfile(old)
	var xs, tr, va []float64
	for e := 1; e <= 500; e++ {
		xs, tr, va = append(xs, float64(e)), append(tr, 1/float64(e)), append(va, 1.1/float64(e))
	}
	c := &LineChart{YAxis: true, XAxis: true, XLabel: "epoch", Nav: &Nav{}, AxisStyle: FG("240")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		xs, tr, va = append(xs, float64(501+i)), append(tr, 0.001), append(va, 0.002)
		c.SetData("", []Series{{X: xs, Y: tr, Style: FG("75")}, {X: xs, Y: va, Style: FG("215")}})
		c.Lines(190, 60)
	}
}
