package markdown

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func counter(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

func TestCache(t *testing.T) {
	t.Parallel()
	t.Run("a body shown twice is rendered once, and the same as Render renders it", func(t *testing.T) {
		c := NewCache(DefaultCacheBytes, prometheus.NewRegistry())
		first, _ := c.Render("# Hi *there*")
		second, _ := c.Render("# Hi *there*")
		want, _ := Render("# Hi *there*")
		if first != want || second != want {
			t.Fatalf("cached %q / %q, want %q", first, second, want)
		}
		if counter(c.renders) != 1 || counter(c.hits) != 1 {
			t.Fatalf("renders %v, hits %v; want 1 and 1", counter(c.renders), counter(c.hits))
		}
	})
	t.Run("a changed body is rendered again", func(t *testing.T) {
		c := NewCache(DefaultCacheBytes, prometheus.NewRegistry())
		c.Render("one")
		if html, _ := c.Render("two"); !strings.Contains(string(html), "two") || counter(c.renders) != 2 {
			t.Fatalf("%q after %v renders", html, counter(c.renders))
		}
	})
	t.Run("when full, the least recently used body goes first", func(t *testing.T) {
		entry := len("<p>a</p>\n") + entryOverhead
		c := NewCache(2*entry, prometheus.NewRegistry())
		c.Render("a")
		c.Render("b")
		c.Render("a") // a is now the most recently used
		c.Render("c") // so b goes
		renders := counter(c.renders)
		c.Render("a")
		if counter(c.renders) != renders {
			t.Error("a was dropped, although used more recently than b")
		}
		c.Render("b")
		if counter(c.renders) != renders+1 {
			t.Error("b was kept, although the least recently used")
		}
		if c.size > c.max || c.order.Len() != len(c.entries) {
			t.Errorf("size %d of %d, %d list entries for %d keys", c.size, c.max, c.order.Len(), len(c.entries))
		}
	})
	t.Run("HTML larger than the cache is returned and not kept", func(t *testing.T) {
		c := NewCache(64, prometheus.NewRegistry())
		html, _ := c.Render("a long paragraph that renders to more than 64 bytes of HTML, easily")
		if html == "" || c.order.Len() != 0 || c.size != 0 {
			t.Fatalf("html %q, %d entries of %d bytes", html, c.order.Len(), c.size)
		}
	})
}
