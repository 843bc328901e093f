package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// benchNodeBody is the Markdown body of every node the create benchmarks write. bench/content.sh
// sends the same text from pgbench and over HTTP (BODY there): keep the two in step.
const benchNodeBody = "## Why this matters\n\n" +
	"Shipping a small change every day keeps the shop fresh. Customers notice new photos, clearer " +
	"prices and honest delivery dates long before they notice a redesign.\n\n" +
	"- Write the headline first.\n- Keep paragraphs short.\n- Link to the products you mention.\n\n" +
	"A good post answers one question well. If it needs a second one, that is the next post. Read " +
	"it aloud before you publish it, and ask a colleague to check the links."

// createClients returns the goroutine counts of BenchmarkCreateNode: BENCH_CREATE_CLIENTS
// ("1,8" by default), so that bench/content.sh runs pgbench with the same concurrency.
func createClients(b *testing.B) []int {
	raw := os.Getenv("BENCH_CREATE_CLIENTS")
	if raw == "" {
		raw = "1,8"
	}
	var out []int
	for _, f := range strings.Split(raw, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("BENCH_CREATE_CLIENTS=%q: want numbers ≥ 1 separated by commas", raw)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkCreateNode measures models.Store.CreateNode on the real database: a draft post with
// one English translation (title, generated slug, the Markdown body above) and its two events,
// node.created and node.translation_updated, in one transaction with the slug check and the
// outbox's advisory lock — everything POST /t/{slug}/nodes does below the handler. clients_N
// runs N goroutines that share b.N creates; creates/s is b.N ÷ wall time. Each sub-benchmark
// starts on a fresh migrated database. Run with TEST_DB=postgres; bench/content.sh compares
// the figure with pgbench sending the same INSERTs.
func BenchmarkCreateNode(b *testing.B) {
	for _, clients := range createClients(b) {
		b.Run(fmt.Sprintf("clients_%d", clients), func(b *testing.B) {
			store := testkit.NewDB(b)
			tenant := testkit.Tenant(b, store).Locales("en", "de").Create()
			author := testkit.User(b, store).WithRole(tenant, "manager").Create()
			// What a request carries: the actor and a request id as the correlation id.
			ctx := events.WithCorrelation(events.WithActor(context.Background(), author.ID), "5f0c2a8e-3d1b-4c55-9a57-0b6f3e2d9c41")
			var next atomic.Int64
			errs := make(chan error, clients) // the first error of each goroutine
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for g := 0; g < clients; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						_, err := store.CreateNode(ctx, tenant, author.ID, models.NodeInput{Kind: models.NodePost,
							Translations: []models.TranslationInput{{Locale: "en", Title: fmt.Sprintf("Benchmark post %d", i), Body: benchNodeBody}}})
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			close(errs)
			if err := <-errs; err != nil {
				b.Fatalf("create node: %v", err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
		})
	}
}
