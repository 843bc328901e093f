package handlers

import (
	"github.com/gofiber/fiber/v2"

	"github.com/rustok/rustok-admin/views/system"
)

// cacheStatHelp explains each tenant cache figure on the System page, in display order.
var cacheStatHelp = []system.Stat{
	{Name: "entries", Help: "Tenants (and unknown names) held in this process's memory."},
	{Name: "hits", Help: "Requests answered from memory."},
	{Name: "negative_hits", Help: "Requests for an unknown tenant answered from memory."},
	{Name: "misses", Help: "Requests that had to look further than memory."},
	{Name: "loads", Help: "Database queries made to fill the cache."},
	{Name: "coalesced_requests", Help: "Misses that waited for another request's query instead of making their own."},
	{Name: "evictions", Help: "Entries pushed out of the bounded cache."},
	{Name: "invalidations", Help: "Tenants dropped after a tenant change (from events, here or in another process)."},
	{Name: "redis_errors", Help: "Failed calls to the shared Redis layer; the cache carried on without it."},
	{Name: "stale_served", Help: "Expired tenants served because the database could not be reached."},
}

// systemShow renders the System page: the tenant cache's counters.
func (a *App) systemShow(c *fiber.Ctx) error {
	stats := a.tenants.Stats()
	rows := make([]system.Stat, len(cacheStatHelp))
	for i, s := range cacheStatHelp {
		s.Value = stats[s.Name]
		rows[i] = s
	}
	p := a.pageFor(c, "System")
	p.Section = "system"
	return render(c, fiber.StatusOK, system.Page(p, rows))
}
