package chart

import "github.com/charmbracelet/lipgloss"

// Palette gives each key (a run) a colour that stays its own while it is
// shown: a new key takes the first colour no shown key has, so adding or
// removing one run never recolours the others.
type Palette struct {
	Colors []lipgloss.Color
	slot   map[string]int
}

// Keep forgets the keys not in keys and gives the new ones a colour.
func (p *Palette) Keep(keys []string) {
	if p.slot == nil {
		p.slot = map[string]int{}
	}
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	for k := range p.slot {
		if !want[k] {
			delete(p.slot, k)
		}
	}
	for _, k := range keys {
		p.Color(k)
	}
}

// Color is key's colour, assigned on first use.
func (p *Palette) Color(key string) lipgloss.Color {
	if p.slot == nil {
		p.slot = map[string]int{}
	}
	if len(p.Colors) == 0 {
		return ""
	}
	if i, ok := p.slot[key]; ok {
		return p.Colors[i%len(p.Colors)]
	}
	used := map[int]bool{}
	for _, i := range p.slot {
		used[i] = true
	}
	i := 0
	for used[i] {
		i++
	}
	p.slot[key] = i
	return p.Colors[i%len(p.Colors)]
}
