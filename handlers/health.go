package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// readyTimeout bounds each dependency probe of /readyz.
const readyTimeout = 1 * time.Second

// healthz answers 200 while the process is alive; it touches no dependency.
func (a *App) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz pings every dependency concurrently, each with a short timeout. All answer → 200;
// otherwise 503 with a JSON body naming each failing dependency and its error.
func (a *App) readyz(c *fiber.Ctx) error {
	type result struct {
		name string
		err  error
	}
	results := make([]result, len(a.checks))
	var wg sync.WaitGroup
	for i, chk := range a.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx(c), readyTimeout)
			defer cancel()
			results[i] = result{chk.Name, chk.Ping(pctx)}
		}()
	}
	wg.Wait()
	checks := fiber.Map{}
	var failing []string
	for _, r := range results {
		if r.err != nil {
			checks[r.name] = "error: " + r.err.Error()
			failing = append(failing, r.name)
		} else {
			checks[r.name] = "ok"
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if len(failing) > 0 {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "failing": failing, "checks": checks})
	}
	return c.JSON(fiber.Map{"status": "ok", "checks": checks})
}
