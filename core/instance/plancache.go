package instance

import (
	"sync"

	"github.com/quiverdb/quiver/core/cypher"
)

// planCache is the instance's one plan cache, shared by every session's
// engine handle. Real-host readers prepare on their own goroutines
// (DESIGN.md's one exception), hence the mutex: a lookup is a map read
// under an uncontended lock, far cheaper than parsing and planning.
// Entries are evicted oldest first.
type planCache struct {
	mu    sync.Mutex
	inner *cypher.FIFOCache
}

var _ cypher.PlanCache = (*planCache)(nil)

func newPlanCache(max int) *planCache { return &planCache{inner: cypher.NewFIFOCache(max)} }

// Get implements cypher.PlanCache.
func (c *planCache) Get(q string) (*cypher.Prepared, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inner.Get(q)
}

// Add implements cypher.PlanCache.
func (c *planCache) Add(q string, p *cypher.Prepared) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inner.Add(q, p)
}

// Clear implements cypher.PlanCache.
func (c *planCache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inner.Clear()
}
