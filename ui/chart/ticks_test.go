package chart

import (
	"strings"
	"testing"
)

// Whole epochs: a four-epoch axis has no tick at 1.5.
func TestAxisMinStep(t *testing.T) {
	row := XAxisRowStep(60, 1, 4, "epoch", nil, 1)
	if strings.Contains(row, ".5") || !strings.Contains(row, "2") || !strings.Contains(row, "3") {
		t.Fatalf("%q", row)
	}
	if row := XAxisRow(60, 1, 4, "", nil); !strings.Contains(row, ".5") {
		t.Fatalf("without a step the axis may use halves: %q", row)
	}
}
