package ui

import (
	"os"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

func TestMain(m *testing.M) {
	// Plain text: goldens and width checks see exactly the cells drawn.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}
