package sweep

import (
	"strconv"
	"strings"

	"github.com/ctdtui/ctdtui/presets"
)

// Run names are built from the varied keys only (a key with one value is a
// setting of every run, not part of any name), in grid order, joined by "-",
// then the seed: gru-l32-s0. A choice key contributes its bare value (gru,
// node); a number its key's abbreviation and the value (l32, lr0.001); a
// boolean the key's last segment, or "no" and it (grouped, nogrouped); a list
// its abbreviation and the items joined by "_" (levels0_5).

// abbreviations are the short names of the keys most often varied; each is
// reserved for its key. Other keys use the initials of their last segment's
// words (switch_prob → sp), then, if that is taken, the last segment, then
// the whole key.
var abbreviations = map[string]string{
	"model.latent":       "l",
	"model.layers":       "nl",
	"model.layer_hidden": "lh",
	"model.ic_std":       "ic",
	"model.noise":        "mn",
	"model.gamma":        "g",
	"train.lr":           "lr",
	"train.batch":        "b",
	"train.weight_decay": "wd",
	"train.clip":         "clip",
	"train.epochs":       "e",
	"train.threads":      "t",
	"task.samples":       "n",
	"task.seed":          "ds",
}

// seedPrefix is the seed part's prefix, reserved: no key abbreviates to it.
const seedPrefix = "s"

// maxPartLen bounds one key's part of a name; a longer value (a long task
// list) is written as its position in the grid instead (tasks2).
const maxPartLen = 32

type namer struct {
	axes   []Axis
	defs   []presets.Def
	prefix []string // per axis; "" for choice keys (bare values)
	varied []bool
}

func newNamer(axes []Axis) *namer {
	n := &namer{axes: axes, defs: make([]presets.Def, len(axes)), prefix: make([]string, len(axes)), varied: make([]bool, len(axes))}
	used := map[string]int{seedPrefix: -1}
	for i, a := range axes {
		n.defs[i], _ = presets.Lookup(a.Key)
		n.varied[i] = len(a.Values) > 1
		if !n.varied[i] || n.defs[i].Type == presets.Choice || n.defs[i].Type == presets.Bool {
			continue
		}
		for _, cand := range prefixCandidates(a.Key) {
			if _, taken := used[cand]; !taken && !reservedFor(cand, a.Key) {
				n.prefix[i] = cand
				used[cand] = i
				break
			}
		}
	}
	return n
}

// reservedFor reports whether cand is another key's abbreviation: l always
// means model.latent, whichever keys a sweep varies.
func reservedFor(cand, key string) bool {
	for k, a := range abbreviations {
		if a == cand && k != key {
			return true
		}
	}
	return false
}

// prefixCandidates are the abbreviations to try for a key, shortest first;
// the last (the whole key) is unique among keys.
func prefixCandidates(key string) []string {
	last := key[strings.LastIndex(key, ".")+1:]
	var cands []string
	if a, ok := abbreviations[key]; ok {
		cands = append(cands, a)
	}
	var initials strings.Builder
	for _, w := range strings.Split(last, "_") {
		if w != "" {
			initials.WriteByte(w[0])
		}
	}
	return append(cands, initials.String(), last, strings.ReplaceAll(key, ".", "_"))
}

// group is the name of a grid point: the parts of its varied keys.
func (n *namer) group(values []string) string {
	var parts []string
	for i, v := range values {
		if !n.varied[i] || v == "" {
			continue
		}
		parts = append(parts, n.part(i, v))
	}
	return strings.Join(parts, "-")
}

func (n *namer) part(i int, v string) string {
	d := n.defs[i]
	switch d.Type {
	case presets.Choice:
		return safeName(v)
	case presets.Bool:
		last := d.Key[strings.LastIndex(d.Key, ".")+1:]
		if v == "true" {
			return last
		}
		return "no" + last
	case presets.List, presets.Floats:
		v = strings.ReplaceAll(v, ",", "_")
	}
	p := n.prefix[i] + safeName(v)
	if len(p) > maxPartLen {
		for k, x := range n.axes[i].Values {
			if x == v || strings.ReplaceAll(x, ",", "_") == v {
				return n.prefix[i] + strconv.Itoa(k+1)
			}
		}
	}
	return p
}

// safeName keeps letters, digits and . _ + -, and replaces anything else
// with "_", so that a name is one directory name in any shell and file
// system.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '+', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
