package markdown

import (
	"container/list"
	"crypto/sha256"
	"html/template"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Version names what Render produces. It is part of every cache key, so that a change to the
// renderer, its options or its limits must come with a new Version for cached HTML to stop
// being served; within one process the cache starts empty anyway.
const Version = "goldmark-1.8.7+gfm+limits-1"

// DefaultCacheBytes is how much rendered HTML a Cache keeps by default.
const DefaultCacheBytes = 16 << 20

// Cache renders bodies and keeps the HTML of the most recently used ones, keyed by a hash of
// Version and the body, up to a number of bytes. The editor shows the stored body's preview on
// every GET, and a body changes far less often than it is viewed: with the cache a view costs
// a hash of the body (under a millisecond for 200,000 bytes) instead of a render (up to tens of
// milliseconds). Rendering only when asked (a button) would save the same, but leave the
// preview pane empty until clicked.
type Cache struct {
	mu      sync.Mutex
	max     int
	size    int
	order   *list.List // of *cached, the most recently used first
	entries map[[sha256.Size]byte]*list.Element
	renders prometheus.Counter
	hits    prometheus.Counter
}

type cached struct {
	key  [sha256.Size]byte
	html template.HTML
}

// entryOverhead is what an entry costs besides its HTML: key, list element, map slot.
const entryOverhead = 128

// NewCache returns a cache of at most maxBytes of HTML whose counters
// (rustok_markdown_renders_total, rustok_markdown_cache_hits_total) are registered on reg.
func NewCache(maxBytes int, reg prometheus.Registerer) *Cache {
	c := &Cache{
		max:     maxBytes,
		order:   list.New(),
		entries: map[[sha256.Size]byte]*list.Element{},
		renders: prometheus.NewCounter(prometheus.CounterOpts{Name: "rustok_markdown_renders_total",
			Help: "Markdown bodies rendered (cache misses)."}),
		hits: prometheus.NewCounter(prometheus.CounterOpts{Name: "rustok_markdown_cache_hits_total",
			Help: "Markdown bodies served from the rendered-HTML cache."}),
	}
	reg.MustRegister(c.renders, c.hits)
	return c
}

// Render returns Render(src), from the cache when the same body was rendered recently.
func (c *Cache) Render(src string) (template.HTML, error) {
	if len(src) > MaxSource {
		src = src[:MaxSource] // as Render does, so that both halves of a long body share a key
	}
	h := sha256.New()
	h.Write([]byte(Version))
	h.Write([]byte{0})
	h.Write([]byte(src))
	var key [sha256.Size]byte
	h.Sum(key[:0])

	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		c.order.MoveToFront(e)
		c.mu.Unlock()
		c.hits.Inc()
		return e.Value.(*cached).html, nil
	}
	c.mu.Unlock()

	html, err := Render(src)
	if err != nil {
		return "", err
	}
	c.renders.Inc()
	c.add(key, html)
	return html, nil
}

func (c *Cache) add(key [sha256.Size]byte, html template.HTML) {
	size := len(html) + entryOverhead
	if size > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; ok { // rendered meanwhile by another request
		return
	}
	c.entries[key] = c.order.PushFront(&cached{key: key, html: html})
	for c.size += size; c.size > c.max; {
		last := c.order.Back()
		e := c.order.Remove(last).(*cached)
		delete(c.entries, e.key)
		c.size -= len(e.html) + entryOverhead
	}
}
