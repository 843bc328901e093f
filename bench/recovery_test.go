package bench

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// BenchmarkCrashRecovery measures issue 10's figure: the time from restarting `rustok serve`
// after a SIGKILL to the last pending event dispatched. Each round starts the binary
// (RUSTOK_BIN, default bin/rustok, which `make bench` builds) on PostgreSQL with JetStream,
// commits 300 events claimed by a relay that "crashed" a moment ago (the freshest lease it can
// leave, so the worst case), kills the server with SIGKILL, starts it again at once and polls the
// outbox every 5 ms until nothing is pending. Run with -benchtime Nx for N rounds; it reports
// the median and the slowest round.
func BenchmarkCrashRecovery(b *testing.B) {
	bin := os.Getenv("RUSTOK_BIN")
	if bin == "" {
		bin = filepath.Join("..", "bin", "rustok")
	}
	if _, err := os.Stat(bin); err != nil {
		b.Skipf("no binary at %s: run make build (make bench does), or set RUSTOK_BIN", bin)
	}
	url := testkit.PostgresURL(b)
	store, err := models.Open(url)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	env := []string{"DATABASE_URL=" + url, "NATS_URL=" + testkit.NATSURL(b), "REDIS_URL=",
		"RUSTOK_ADMIN_PASSWORD=rustok-bench-password-1", "LOG_LEVEL=warn"}

	var took []time.Duration
	for i := 0; i < b.N; i++ {
		addr := freeAddr(b)
		serve := append([]string{"ADDR=" + addr}, env...)
		first := testkit.StartCommand(b, bin, []string{"serve"}, serve...)
		first.WaitReady(b, "http://"+addr+"/readyz", 30*time.Second)
		testkit.ClaimAsCrashedRelay(b, store, 300)
		first.Kill(b)

		second := testkit.StartCommand(b, bin, []string{"serve"}, serve...)
		deadline := second.Started.Add(60 * time.Second)
		for {
			var pending int64
			if err := store.DB().Model(&events.Row{}).Where("status <> ?", events.StatusDispatched).Count(&pending).Error; err != nil {
				b.Fatal(err)
			}
			if pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d events still pending 60 s after the restart; log:\n%s", pending, second.Log.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		took = append(took, time.Since(second.Started))
		second.Stop(b)
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(took[len(took)/2].Seconds(), "median-s")
	b.ReportMetric(took[len(took)-1].Seconds(), "max-s")
	fmt.Fprintf(os.Stderr, "crash recovery, restart → last pending event dispatched, %d rounds: %v\n", len(took), took)
}

func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
