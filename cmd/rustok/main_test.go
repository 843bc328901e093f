package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// These tests set environment variables, so they do not run in parallel.

// asCommand, set in a child's environment, makes this test binary run as the rustok command
// itself: tests that must kill -9 a server start it so (see startCommand).
const asCommand = "RUSTOK_TEST_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(asCommand) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startCommand runs `rustok ARGS...` as a separate process (this test binary, as the command),
// with the test's environment plus env.
func startCommand(t *testing.T, args []string, env ...string) *testkit.Command {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return testkit.StartCommand(t, self, args, append(env, asCommand+"=1")...)
}

// useDatabase points DATABASE_URL at a fresh empty database and returns a store on it.
func useDatabase(t *testing.T) *models.Store {
	t.Helper()
	store, url := testkit.NewEmptyDB(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("REDIS_URL", "")
	t.Setenv("NATS_URL", "")
	t.Setenv("RUSTOK_ADMIN_PASSWORD", "")
	t.Setenv("RUSTOK_ADMIN_EMAIL", "")
	return store
}

func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(args, strings.NewReader(stdin), &out, io.Discard)
	return out.String(), err
}

func TestMigrateCommand(t *testing.T) {
	useDatabase(t)
	out, err := runCmd(t, "", "migrate", "status")
	total := strings.Count(out, "pending")
	if err != nil || total < 3 || strings.Contains(out, "applied") {
		t.Fatalf("status on an empty database: %v\n%s", err, out)
	}
	if out, err = runCmd(t, "", "migrate", "up"); err != nil || strings.Count(out, "applied") != total {
		t.Fatalf("up: %v\n%s", err, out)
	}
	if out, _ = runCmd(t, "", "migrate", "up"); !strings.Contains(out, "nothing to apply") {
		t.Fatalf("second up: %s", out)
	}
	status, _ := runCmd(t, "", "migrate", "status")
	lines := strings.Split(strings.TrimSpace(status), "\n")
	newest := strings.Fields(lines[len(lines)-1])[1]
	if out, err = runCmd(t, "", "migrate", "down"); err != nil || !strings.Contains(out, "rolled back "+newest) {
		t.Fatalf("down: %v\n%s (want %s rolled back)", err, out, newest)
	}
	if after, _ := runCmd(t, "", "migrate", "status"); !strings.Contains(after, newest) || strings.Count(after, "pending") != 1 {
		t.Fatalf("status after down:\n%s", after)
	}
	for i := 1; i < total; i++ {
		runCmd(t, "", "migrate", "down")
	}
	if out, err = runCmd(t, "", "migrate", "down"); err != nil || !strings.Contains(out, "nothing to roll back") {
		t.Fatalf("down with nothing applied: %v\n%s", err, out)
	}
	if err := run([]string{"serve", "-migrate=false"}, strings.NewReader(""), io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "migrations are pending") {
		t.Fatalf("serve -migrate=false on an empty database: %v", err)
	}
	if _, err = runCmd(t, "", "migrate", "sideways"); err == nil {
		t.Fatal("unknown action accepted")
	}
}

func TestSeedAndBootstrap(t *testing.T) {
	store := useDatabase(t)
	ctx := context.Background()
	first, err := runCmd(t, "", "seed")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(first, "admin@example.com") || !strings.Contains(first, "password: ") ||
		!strings.Contains(first, "http://localhost:8080/login") || !strings.Contains(first, "created demo tenant acme") {
		t.Fatalf("first seed printed:\n%s", first)
	}
	password := strings.TrimSpace(strings.SplitN(strings.SplitN(first, "password: ", 2)[1], "\n", 2)[0])
	u, err := store.Authenticate(ctx, "admin@example.com", password, models.Client{})
	if err != nil {
		t.Fatalf("the printed password does not sign in: %v", err)
	}
	if super, _ := store.IsSuperAdmin(ctx, u.ID); !super {
		t.Fatal("bootstrap user is not a super admin")
	}
	acme, err := store.TenantBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	content, err := store.ListNodes(ctx, acme, models.NodeQuery{Sort: models.NodeSortKind})
	if err != nil {
		t.Fatal(err)
	}
	if len(content.Nodes) != 2 || content.Nodes[1].Kind != models.NodePost || content.Nodes[1].Status != models.NodePublished ||
		strings.Join(content.Nodes[1].Locales, ",") != "de,en" || content.Nodes[1].AuthorID != u.ID {
		t.Fatalf("demo content: %+v", content.Nodes)
	}
	second, err := runCmd(t, "", "seed")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(second, "password:") || !strings.Contains(second, "already exists") {
		t.Fatalf("second seed printed:\n%s", second)
	}
	if n, _ := store.CountUsers(ctx); n != 1 {
		t.Fatalf("%d users after two seeds", n)
	}
}

func TestBootstrapFromEnvironment(t *testing.T) {
	store := useDatabase(t)
	t.Setenv("RUSTOK_ADMIN_EMAIL", "Ops@Example.com")
	t.Setenv("RUSTOK_ADMIN_PASSWORD", "a long operator password")
	out, err := runCmd(t, "", "seed")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "a long operator password") {
		t.Fatal("a password from the environment was printed")
	}
	if _, err := store.Authenticate(context.Background(), "ops@example.com", "a long operator password", models.Client{}); err != nil {
		t.Fatalf("env credentials do not sign in: %v", err)
	}
}

func TestUserCreate(t *testing.T) {
	store := useDatabase(t)
	ctx := context.Background()
	if _, err := runCmd(t, "", "seed"); err != nil {
		t.Fatal(err)
	}

	t.Run("the password comes from standard input and the role is granted", func(t *testing.T) {
		out, err := runCmd(t, "a manager's long password\n", "user", "create", "--email", "Mia@Example.com", "--name", "Mia",
			"--password-stdin", "--tenant", "acme", "--role", "manager")
		if err != nil || !strings.Contains(out, "created user mia@example.com") {
			t.Fatalf("%v\n%s", err, out)
		}
		u, err := store.Authenticate(ctx, "mia@example.com", "a manager's long password", models.Client{})
		if err != nil {
			t.Fatal(err)
		}
		acme, _ := store.TenantBySlug(ctx, "acme")
		if roles, _ := store.RolesIn(ctx, u.ID, acme.ID); len(roles) != 1 || roles[0] != "manager" {
			t.Fatalf("roles %v", roles)
		}
	})

	t.Run("a super admin", func(t *testing.T) {
		if _, err := runCmd(t, "another long password", "user", "create", "--email", "root2@example.com", "--password-stdin", "--super-admin"); err != nil {
			t.Fatal(err)
		}
		u, _ := store.UserByEmail(ctx, "root2@example.com")
		if super, _ := store.IsSuperAdmin(ctx, u.ID); !super {
			t.Fatal("not a super admin")
		}
	})

	for name, tc := range map[string]struct {
		stdin string
		args  []string
		want  string
	}{
		"without --password-stdin it refuses":  {"x", []string{"--email", "a@example.com"}, "--password-stdin"},
		"a short password is refused":          {"short\n", []string{"--email", "b@example.com", "--password-stdin"}, "12 characters"},
		"a bad email is refused":               {"long enough password", []string{"--email", "nope", "--password-stdin"}, "email"},
		"a duplicate email is refused":         {"long enough password", []string{"--email", "MIA@example.com", "--password-stdin"}, "already exists"},
		"an unknown tenant is refused":         {"long enough password", []string{"--email", "c@example.com", "--password-stdin", "--tenant", "nope", "--role", "admin"}, "not found"},
		"--tenant without --role is refused":   {"long enough password", []string{"--email", "d@example.com", "--password-stdin", "--tenant", "acme"}, "go together"},
		"an unknown role is refused":           {"long enough password", []string{"--email", "f@example.com", "--password-stdin", "--tenant", "acme", "--role", "wizard"}, "must be one of"},
		"a password on the command line fails": {"", []string{"--email", "e@example.com", "--password", "visible in ps"}, "flag provided but not defined"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := runCmd(t, tc.stdin, append([]string{"user", "create"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := store.UserByEmail(ctx, "c@example.com"); err == nil {
		t.Fatal("a failed user create left the user behind")
	}
}

// TestServeLifecycle starts the real serve command on the real backends, checks that the first
// log line names them, that /readyz answers, and that SIGTERM stops it cleanly.
func TestServeLifecycle(t *testing.T) {
	useDatabase(t)
	if testkit.Dialect() == "sqlite" {
		t.Setenv("DATABASE_URL", filepath.Join(t.TempDir(), "rustok.db"))
	}
	t.Setenv("REDIS_URL", testkit.RedisURL(t))
	t.Setenv("NATS_URL", testkit.NATSURL(t))
	addr := freeAddr(t)
	t.Setenv("ADDR", addr)

	var stdout bytes.Buffer
	logs := &testkit.Buffer{}
	done := make(chan error, 1)
	go func() { done <- run([]string{"serve"}, strings.NewReader(""), &stdout, logs) }()

	ready := false
	defer func() {
		if !ready {
			t.Logf("serve logs:\n%s", logs.String())
		}
	}()
	testkit.Eventually(t, 6*time.Second, "serve answers /readyz with 200", func() bool {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			ready = res.StatusCode == http.StatusOK
			res.Body.Close()
		}
		return ready
	})
	first := strings.SplitN(logs.String(), "\n", 2)[0]
	for _, want := range []string{"starting rustok", "database=", "sessions=redis", "nats=nats://"} {
		if !strings.Contains(first, want) {
			t.Errorf("first log line lacks %q: %s", want, first)
		}
	}
	if !strings.Contains(stdout.String(), "password: ") {
		t.Fatalf("first start did not print the generated password:\n%s", stdout.String())
	}
	password := strings.TrimSpace(strings.SplitN(strings.SplitN(stdout.String(), "password: ", 2)[1], "\n", 2)[0])
	started := time.Now()
	signIn(t, "http://"+addr, "admin@example.com", password)

	// The sign-in's user.logged_in (schema version 2) is dispatched by the relay within a second
	// and lands in JetStream under its event id.
	store, err := models.Open(os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var row events.Row
	dispatched := false
	defer func() {
		if !dispatched {
			var all []events.Row
			store.DB().Order("seq").Find(&all)
			for _, r := range all {
				t.Logf("%d %s %s claimed=%v at=%v disp=%v", r.Seq, r.EventType, r.Status, r.ClaimedBy, r.ClaimedAt, r.DispatchedAt)
			}
			t.Logf("last user.logged_in row: %+v\n%s", row, logs.String())
		}
	}()
	testkit.Eventually(t, time.Second, "the relay dispatches user.logged_in", func() bool {
		err := store.DB().Where("event_type = ?", "user.logged_in").Order("seq DESC").First(&row).Error
		dispatched = err == nil && row.Status == events.StatusDispatched
		return dispatched
	})
	if row.SchemaVersion != 3 || row.ActorID == nil {
		t.Fatalf("logged_in row: version %d actor %v", row.SchemaVersion, row.ActorID)
	}
	if !jetStreamHas(t, events.Subject(row.Envelope()), row.ID.String(), started) {
		t.Fatalf("event %s is not in JetStream", row.ID)
	}
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`rustok_events_outbox{status="dispatched"}`, "rustok_events_dispatch_latency_seconds_count", "rustok_relay_batch_duration_seconds_count"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Fatalf("no clean stop in logs:\n%s", logs.String())
	}
}

// TestServeMetricsOnOwnAddress starts serve with METRICS_ADDR: the scrape works there and
// /metrics is not found on ADDR, even from loopback.
func TestServeMetricsOnOwnAddress(t *testing.T) {
	useDatabase(t)
	if testkit.Dialect() == "sqlite" {
		t.Setenv("DATABASE_URL", filepath.Join(t.TempDir(), "rustok.db"))
	}
	t.Setenv("RUSTOK_ADMIN_PASSWORD", "a long operator password")
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	t.Setenv("ADDR", addr)
	t.Setenv("METRICS_ADDR", metricsAddr)
	logs := &testkit.Buffer{}
	done := make(chan error, 1)
	go func() { done <- run([]string{"serve"}, strings.NewReader(""), io.Discard, logs) }()
	get := func(url string) (int, string) {
		res, err := http.Get(url)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	testkit.Eventually(t, 10*time.Second, "serve answers /readyz", func() bool {
		status, _ := get("http://" + addr + "/readyz")
		return status == http.StatusOK
	})
	if status, body := get("http://" + metricsAddr + "/metrics"); status != http.StatusOK || !strings.Contains(body, "rustok_http_request_duration_seconds") {
		t.Errorf("/metrics on METRICS_ADDR: %d\n%.300s", status, body)
	}
	if status, body := get("http://" + addr + "/metrics"); status != http.StatusNotFound || strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics on ADDR with METRICS_ADDR set: %d, want 404", status)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	if status, _ := get("http://" + metricsAddr + "/metrics"); status != 0 {
		t.Errorf("the metrics listener still answers after shutdown: %d", status)
	}
}

// TestShutdownDrainsInFlightRequests cancels the serve context while a slow request is running:
// the request still completes with 200, and new connections are refused afterwards.
func TestShutdownDrainsInFlightRequests(t *testing.T) {
	started := make(chan struct{})
	app := testkit.NewApp(t, testkit.WithStore(testkit.NewSQLiteDB(t)), func(_ testing.TB, d *handlers.Deps) {
		d.Mount = func(r fiber.Router) {
			r.Get("/test/slow", func(c *fiber.Ctx) error {
				close(started)
				time.Sleep(300 * time.Millisecond) // the in-flight request the shutdown must wait for
				return c.SendString("finished")
			})
		}
	}).Fiber
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serveUntilDone(ctx, app, ln, 5*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/test/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- result{status: res.StatusCode, body: string(b)}
	}()
	<-started
	cancel()
	r := <-got
	if r.err != nil || r.status != http.StatusOK || r.body != "finished" {
		t.Fatalf("in-flight request during shutdown: %+v", r)
	}
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("server still accepts requests after shutdown")
	}
}

// signIn signs in through the real HTTP form and fails the test unless it succeeds.
func signIn(t *testing.T, base, email, password string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on /login")
	}
	res, err = client.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in answered %d", res.StatusCode)
	}
}

// jetStreamHas reports whether RUSTOK_EVENTS holds a message with the id on the subject,
// published since the given time.
func jetStreamHas(t *testing.T, subject, id string, since time.Time) bool {
	t.Helper()
	nc, err := nats.Connect(testkit.NATSURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := js.Stream(ctx, events.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	start := since.Add(-time.Second)
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject},
		DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &start})
	if err != nil {
		t.Fatal(err)
	}
	for {
		msgs, err := cons.Fetch(100, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for msg := range msgs.Messages() {
			n++
			if msg.Headers().Get(nats.MsgIdHdr) == id {
				return true
			}
		}
		if n == 0 {
			return false
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestRelayCommand runs `rustok relay` alone: it delivers events another process committed, and
// stops cleanly on SIGTERM.
func TestRelayCommand(t *testing.T) {
	useDatabase(t)
	if testkit.Dialect() == "sqlite" {
		t.Setenv("DATABASE_URL", filepath.Join(t.TempDir(), "rustok.db"))
	}
	store, err := models.Open(os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	u, err := store.CreateUser(context.Background(), models.UserInput{Email: "relay@example.com", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.Buffer{}
	done := make(chan error, 1)
	go func() { done <- run([]string{"relay"}, strings.NewReader(""), io.Discard, logs) }()
	var row events.Row
	defer func() {
		if row.Status != events.StatusDispatched {
			t.Logf("user.registered is %q; relay logs:\n%s", row.Status, logs.String())
		}
	}()
	testkit.Eventually(t, 5*time.Second, "the relay dispatches user.registered", func() bool {
		store.DB().Where("aggregate_id = ? AND event_type = ?", u.ID, "user.registered").First(&row)
		return row.Status == events.StatusDispatched
	})
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("relay returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("relay did not stop after SIGTERM")
	}
	if !strings.Contains(logs.String(), "relay stopped") {
		t.Fatalf("logs:\n%s", logs.String())
	}
}

// TestRestartAfterKillDispatchesClaimedEvents is crash recovery (issue 10): serve is killed with
// SIGKILL while events are claimed but undelivered by a relay that died with it (claimed just
// before the kill: the freshest lease a dead relay can leave), and started again. Every pending
// event is dispatched within 5 s of the restart.
func TestRestartAfterKillDispatchesClaimedEvents(t *testing.T) {
	useDatabase(t)
	if testkit.Dialect() == "sqlite" {
		t.Setenv("DATABASE_URL", filepath.Join(t.TempDir(), "rustok.db"))
	}
	t.Setenv("NATS_URL", testkit.NATSURL(t))
	t.Setenv("RUSTOK_ADMIN_PASSWORD", "a long operator password")
	addr := freeAddr(t)
	t.Setenv("ADDR", addr)
	store, err := models.Open(os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	first := startCommand(t, []string{"serve"})
	first.WaitReady(t, "http://"+addr+"/readyz", 30*time.Second)
	claimed := testkit.ClaimAsCrashedRelay(t, store, 30)
	first.Kill(t)

	second := startCommand(t, []string{"serve"})
	deadline := second.Started.Add(5 * time.Second)
	for {
		var pending int64
		if err := store.DB().Model(&events.Row{}).Where("status <> ?", events.StatusDispatched).Count(&pending).Error; err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			t.Logf("every event dispatched %v after the restart", time.Since(second.Started).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			var rows []events.Row
			store.DB().Where("status <> ?", events.StatusDispatched).Order("seq").Limit(5).Find(&rows)
			for _, r := range rows {
				t.Logf("still %s: seq %d %s claimed by %v at %v", r.Status, r.Seq, r.EventType, deref(r.ClaimedBy), r.ClaimedAt)
			}
			t.Fatalf("%d events still pending 5 s after the restart (%d were claimed by the crashed relay); log:\n%s",
				pending, len(claimed), second.Log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	second.Stop(t)
}

func deref(s *string) string {
	if s == nil {
		return "nobody"
	}
	return *s
}
