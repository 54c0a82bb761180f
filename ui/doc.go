// Package ui is the Bubble Tea terminal app; it is the only package that imports
// the charm libraries.
package ui
