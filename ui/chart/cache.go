package chart

// Cache keeps a chart's rendered lines until the key of what it shows
// (data identity, size, settings) changes.
type Cache[K comparable] struct {
	key     K
	lines   []string
	ok      bool
	Renders int // how many times it drew (tests check it)
}

// Get returns the cached lines for k, drawing them first when k changed.
func (c *Cache[K]) Get(k K, draw func() []string) []string {
	if !c.ok || c.key != k {
		c.key, c.lines, c.ok = k, draw(), true
		c.Renders++
	}
	return c.lines
}

// Reset forgets the cached lines.
func (c *Cache[K]) Reset() { c.ok = false }
