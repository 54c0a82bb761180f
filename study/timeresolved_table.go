package study

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// tableStride picks the step between printed rows so a table of n aligned
// steps has about 21 rows, on multiples of 5 or 10 when it can.
func tableStride(n int) int {
	s := max(1, (n+19)/20)
	for _, nice := range []int{1, 2, 5, 10, 20, 25, 50, 100} {
		if nice >= s {
			return nice
		}
	}
	return s
}

// printedSteps returns the indices of the aligned steps a table shows:
// the multiples of the stride, the event's step and the window's ends.
func printedSteps(steps []int) []int {
	st := tableStride(len(steps))
	var out []int
	for j, k := range steps {
		if k%st == 0 || j == 0 || j == len(steps)-1 {
			out = append(out, j)
		}
	}
	return out
}

func stepLabel(k int) string {
	if k == 0 {
		return "0"
	}
	return fmt.Sprintf("%+d", k)
}

// WriteTable prints the aligned trajectories as readable tables.
func (r *AlignReport) WriteTable(w io.Writer) error {
	o := r.Options
	fmt.Fprintf(w, "run      %s\n", r.Run.line())
	fmt.Fprintf(w, "event    %s at aligned step 0, window %d … %+d; %d occurrences in %d trials of phase %s (%d trials without it, left out)\n",
		o.Event, -o.Window.Pre, o.Window.Post, r.Samples, r.Trials, o.Phase, r.Without)
	var marks []string
	for _, m := range r.Marks {
		marks = append(marks, fmt.Sprintf("%s at %+.1f (%+d … %+d, %d occurrences)", m.Name, m.Mean, m.Min, m.Max, m.Samples))
	}
	if len(marks) > 0 {
		fmt.Fprintf(w, "others   %s\n", strings.Join(marks, "; "))
	}
	ratio := 0.0
	for _, v := range r.PCRatio {
		ratio += v
	}
	fmt.Fprintf(w, "PCs      the first %d PCs of the %s latents (%.1f%% of their variance); steps outside a trial are left out, never zero-filled\n", len(r.PCRatio), o.Phase, 100*ratio)

	rows := printedSteps(r.Steps)
	section(w, "over aligned time")
	t := newTW(w)
	t.row("  step", "samples", "condition R²", "speed")
	for _, j := range rows {
		t.row("  "+stepLabel(r.Steps[j]), fmt.Sprint(r.Count[j]), num(r.ConditionR2[j]), num(r.Speed[j]))
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "  condition R²: share of the latents' variance explained by the condition; speed: mean ‖h_t − h_t−1‖")

	section(w, fmt.Sprintf("condition means on PC1, PC2 (%s)", byLabel(o.By)))
	cols := []int{}
	for _, j := range rows {
		if r.Steps[j]%max(tableStride(len(r.Steps))*2, 1) == 0 || j == 0 || j == len(r.Steps)-1 {
			cols = append(cols, j)
		}
	}
	if len(cols) > 8 {
		cols = cols[:8]
	}
	t = newTW(w)
	head := []string{"  condition", "samples"}
	for _, j := range cols {
		head = append(head, stepLabel(r.Steps[j]))
	}
	t.row(head...)
	for _, c := range r.Conditions {
		row := []string{"  " + c.Label, fmt.Sprint(c.Samples)}
		for _, j := range cols {
			if c.PC[j] == nil || len(c.PC[j]) < 2 {
				row = append(row, "—")
				continue
			}
			row = append(row, fmt.Sprintf("%+.2f,%+.2f", c.PC[j][0], c.PC[j][1]))
		}
		t.row(row...)
	}
	return t.flush()
}

func byLabel(by string) string {
	if by == "none" {
		return "all trials together"
	}
	return "by the task's condition"
}

// WriteTable prints the decoding over time as readable tables.
func (r *DecodeReport) WriteTable(w io.Writer) error {
	o := r.Options
	fmt.Fprintf(w, "run      %s\n", r.Run.line())
	fmt.Fprintf(w, "event    %s at aligned step 0, window %d … %+d\n", o.Event, -o.Window.Pre, o.Window.Post)
	fmt.Fprintf(w, "samples  fitted on %d occurrences in the training trials, scored on %d in the validation trials (%d and %d trials without the event, left out)\n",
		r.TrainSamples, r.ValSamples, r.TrainWithout, r.ValWithout)
	fmt.Fprintf(w, "decoder  ridge regression per aligned step, penalty by leave-one-out CV on the training samples; R² on the validation samples; chance: %d label shuffles\n", o.Shuffles)

	section(w, "summary")
	t := newTW(w)
	t.row("  variable", "peak R²", "at", fmt.Sprintf("first R² ≥ %.1f", DecodableR2), "chance")
	for _, v := range r.Variables {
		onset := "never"
		if v.Onset != nil {
			onset = stepLabel(*v.Onset)
		}
		t.row("  "+v.Group, num(v.Peak), stepLabel(v.PeakStep), onset, num(v.Chance))
	}
	if err := t.flush(); err != nil {
		return err
	}

	section(w, "validation R² over aligned time (chance in brackets)")
	t = newTW(w)
	head := []string{"  step", "train", "val"}
	for _, v := range r.Variables {
		head = append(head, v.Group)
	}
	t.row(head...)
	for _, j := range printedSteps(r.Steps) {
		row := []string{"  " + stepLabel(r.Steps[j]), fmt.Sprint(r.NTrain[j]), fmt.Sprint(r.NVal[j])}
		for _, v := range r.Variables {
			row = append(row, fmt.Sprintf("%s (%s)", num2(v.R2[j]), num2(v.ShuffleR2[j])))
		}
		t.row(row...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	for _, v := range r.Variables {
		if v.CrossTemporal == nil {
			continue
		}
		section(w, fmt.Sprintf("cross-temporal R² (%s): rows = fitted at, columns = scored at; %s", v.Group, shadeKey()))
		if err := writeShaded(w, r.CTSteps, v.CrossTemporal); err != nil {
			return err
		}
	}
	return nil
}

func num2(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return fmt.Sprintf("%.2f", v)
}

var shades = []string{" ", "░", "▒", "▓", "█"}

func shadeKey() string {
	return "' ' < 0.2 ≤ ░ < 0.4 ≤ ▒ < 0.6 ≤ ▓ < 0.8 ≤ █"
}

func shade(v float64) string {
	switch {
	case math.IsNaN(v):
		return "·"
	case v < 0.2:
		return shades[0]
	case v < 0.4:
		return shades[1]
	case v < 0.6:
		return shades[2]
	case v < 0.8:
		return shades[3]
	}
	return shades[4]
}

// writeShaded draws a square matrix with one shade character per cell
// (two per column, so it looks square), at most 60 columns.
func writeShaded(w io.Writer, steps []int, m [][]float64) error {
	every := max(1, (len(steps)+59)/60)
	var b strings.Builder
	for a := 0; a < len(steps); a += every {
		fmt.Fprintf(&b, "  %5s ", stepLabel(steps[a]))
		for c := 0; c < len(steps); c += every {
			s := shade(m[a][c])
			b.WriteString(s + s)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "        %s … %s\n", stepLabel(steps[0]), stepLabel(steps[len(steps)-1]))
	_, err := io.WriteString(w, b.String())
	return err
}
