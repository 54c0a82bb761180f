package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// fitLine truncates or pads a (possibly styled) line to exactly w cells.
func fitLine(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		s = ansi.Truncate(s, w, "")
		n = ansi.StringWidth(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// fitBlock makes s exactly w cells wide and h lines tall: every component's
// View goes through it, so a layout can never spill past the terminal.
func fitBlock(s string, w, h int) string {
	return strings.Join(fitLines(strings.Split(s, "\n"), w, h), "\n")
}

// fitLines is fitBlock on lines.
func fitLines(lines []string, w, h int) []string {
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = fitLine(lines[i], w)
		} else {
			out[i] = strings.Repeat(" ", max(w, 0))
		}
	}
	return out
}

// joinColumns places blocks side by side, each fitted to its width, separated
// by sep.
func joinColumns(h int, sep string, cols ...column) string {
	blocks := make([][]string, len(cols))
	for i, c := range cols {
		blocks[i] = fitLines(strings.Split(c.text, "\n"), c.w, h)
	}
	var b strings.Builder
	for y := 0; y < h; y++ {
		if y > 0 {
			b.WriteByte('\n')
		}
		for i := range cols {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(blocks[i][y])
		}
	}
	return b.String()
}

type column struct {
	text string
	w    int
}

// wrap breaks plain text into lines of at most w cells.
func wrap(s string, w int) []string {
	if w < 1 {
		return nil
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			for ansi.StringWidth(word) > w { // a word longer than the line: hard-break it
				if line != "" {
					out = append(out, line)
					line = ""
				}
				out = append(out, ansi.Truncate(word, w, ""))
				word = string([]rune(word)[len([]rune(ansi.Truncate(word, w, ""))):])
			}
			switch {
			case line == "":
				line = word
			case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= w:
				line += " " + word
			default:
				out = append(out, line)
				line = word
			}
		}
		out = append(out, line)
	}
	return out
}

// truncate shortens plain text to w cells with an ellipsis.
func truncate(s string, w int, ellipsis string) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	if ansi.StringWidth(ellipsis) >= w {
		return ansi.Truncate(s, w, "")
	}
	return ansi.Truncate(s, w, ellipsis)
}

// padLeft right-aligns plain text in w cells.
func padLeft(s string, w int) string {
	n := ansi.StringWidth(s)
	if n >= w {
		return s
	}
	return strings.Repeat(" ", w-n) + s
}

// padRight left-aligns plain text in w cells.
func padRight(s string, w int) string {
	n := ansi.StringWidth(s)
	if n >= w {
		return s
	}
	return s + strings.Repeat(" ", w-n)
}
