// Command rustok is the RusToK Admin server and its operator commands: serve (default),
// migrate up|down|status, seed, user create, relay and version. main only wires things together.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/backend"
	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/internal/logging"
	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/migrations"
	"github.com/rustok/rustok-admin/models"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: rustok [command] [flags]

commands:
  serve                      run the HTTP server (default)
  migrate up|down|status     apply, roll back one, or list migrations
  seed                       create the demo tenant "acme" and the super admin
  user create --email E --password-stdin [--super-admin] [--tenant SLUG --role ROLE]
  user reset-password --email E [--base-url URL]
                             print a one-time link (48 h) for the user to set a new password
  user reset-two-factor --email E
                             turn off the user's two-factor sign-in (lost phone and recovery codes)
  relay                      run only the outbox relay (no HTTP server)
  version                    print the version
`

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "rustok:", err)
		os.Exit(1)
	}
}

// run executes one command; stdout gets what the operator asked for (credentials, status),
// stderr the log.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "rustok", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	switch cmd {
	case "serve":
		return serve(cfg, args, stdout, stderr)
	case "migrate":
		return migrate(cfg, args, stdout)
	case "seed":
		return seed(cfg, stdout)
	case "user":
		return userCommand(cfg, args, stdin, stdout)
	case "relay":
		return relayOnly(cfg, stderr)
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

// serve runs the HTTP server until SIGTERM or SIGINT, then drains in-flight requests.
func serve(cfg config.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	ctx, stop, log, b, err := startProcess(cfg, stderr)
	if err != nil {
		return err
	}
	defer stop()
	defer b.Close()
	log.Info("starting rustok", append([]any{"version", version, "addr", cfg.Addr}, b.LogAttrs()...)...)
	if cfg.AutoMigrate {
		n, err := b.Store.Migrate(ctx)
		if err != nil {
			return err
		}
		log.Info("migrations applied", "count", n)
	} else if pending, err := b.Store.PendingMigrations(ctx); err != nil {
		return err
	} else if pending > 0 {
		return fmt.Errorf("%d migrations are pending and -migrate=false: run `rustok migrate up` first", pending)
	}
	// Bind before bootstrapping, so a start that cannot listen creates and prints nothing.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	var metricsLn net.Listener // METRICS_ADDR: /metrics on a listener of its own
	if cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("METRICS_ADDR: %w", err)
		}
		defer metricsLn.Close()
	}
	if err := bootstrapAdmin(ctx, cfg, b.Store, stdout); err != nil {
		ln.Close()
		return err
	}
	registry := handlers.NewRegistry()
	// The caches listen before the relay starts, so no event it delivers goes unheard.
	deps, caches, err := handlers.NewDeps(cfg, b, registry, log, nil)
	if err != nil {
		ln.Close()
		return err
	}
	stopCaches, err := caches.Start(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopCaches()
	relay, err := backend.StartRelay(ctx, b, registry, log)
	if err != nil {
		ln.Close()
		return err
	}
	// Background jobs: enqueued by requests, worked here (and on every other process).
	runner, err := jobs.New(b.Store, jobs.Options{Logger: log, Allowed: jobs.AllowedBy(deps.Authz)})
	if err != nil {
		ln.Close()
		return err
	}
	if err := runner.Start(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("start jobs: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		_ = runner.Stop(sctx) // running jobs end or, past the timeout, are cancelled and retried later
	}()
	deps.Jobs = runner
	app := handlers.New(deps)
	defer relay.Wait()
	if metricsLn != nil {
		m := handlers.NewMetricsApp(registry)
		go func() { _ = m.Listener(metricsLn) }()
		defer m.Shutdown()
		log.Info("metrics listening", "addr", metricsLn.Addr().String())
	}
	log.Info("listening", "addr", ln.Addr().String(), "sign_in", cfg.SignInURL())
	return serveUntilDone(ctx, app, ln, cfg.ShutdownTimeout, log)
}

// serveUntilDone serves on ln until ctx ends (SIGTERM), then stops accepting connections and
// waits up to timeout for in-flight requests to finish.
func serveUntilDone(ctx context.Context, app *fiber.App, ln net.Listener, timeout time.Duration, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "timeout", timeout.String())
	if err := app.ShutdownWithTimeout(timeout); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// startProcess does what serve and relay both need first: the logger, a context that ends on
// SIGTERM or SIGINT, and the backends. The caller defers stop and b.Close.
func startProcess(cfg config.Config, stderr io.Writer) (context.Context, context.CancelFunc, *slog.Logger, *backend.Backends, error) {
	log := logging.New(stderr, cfg.LogFormat, cfg.LogLevel)
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	b, err := backend.Open(ctx, cfg)
	if err != nil {
		stop()
		return nil, nil, nil, nil, err
	}
	return ctx, stop, log, b, nil
}

// relayOnly runs the outbox relay without the HTTP server, until SIGTERM.
func relayOnly(cfg config.Config, stderr io.Writer) error {
	ctx, stop, log, b, err := startProcess(cfg, stderr)
	if err != nil {
		return err
	}
	defer stop()
	defer b.Close()
	log.Info("starting rustok relay", b.LogAttrs()...)
	if n, err := b.Store.PendingMigrations(ctx); err != nil {
		return err
	} else if n > 0 {
		return fmt.Errorf("%d migrations are pending: run `rustok migrate up` (or start `rustok serve`) first", n)
	}
	r, err := backend.StartRelay(ctx, b, handlers.NewRegistry(), log)
	if err != nil {
		return err
	}
	r.Wait()
	log.Info("relay stopped")
	return nil
}

// bootstrapAdmin creates the first super admin when there are no users. Without
// RUSTOK_ADMIN_PASSWORD it generates one and prints it once, with the sign-in URL.
func bootstrapAdmin(ctx context.Context, cfg config.Config, store *models.Store, stdout io.Writer) error {
	n, err := store.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	password, generated := cfg.AdminPassword, false
	if password == "" {
		password, generated = randomPassword(), true
	}
	err = store.WithTx(ctx, func(ctx context.Context) error {
		u, err := store.CreateUser(ctx, models.UserInput{Email: cfg.AdminEmail, Name: "Administrator", Password: password})
		if err != nil {
			return err
		}
		return store.AssignRole(ctx, u.ID, models.RoleSuperAdmin, models.AllTenants)
	})
	if errors.Is(err, models.ErrConflict) {
		return nil // another process bootstrapped first
	} else if err != nil {
		return fmt.Errorf("bootstrap super admin: %w", err)
	}
	fmt.Fprintf(stdout, "\n  Super admin created. Sign in at %s\n    email:    %s\n", cfg.SignInURL(), cfg.AdminEmail)
	if generated {
		fmt.Fprintf(stdout, "    password: %s\n  This password is shown only once; store it now.\n\n", password)
	} else {
		fmt.Fprintf(stdout, "    password: (from RUSTOK_ADMIN_PASSWORD)\n\n")
	}
	return nil
}

// randomPassword returns 24 random characters (144 bits).
func randomPassword() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// openStore opens the database for an operator command.
func openStore(cfg config.Config) (*models.Store, error) {
	return models.Open(cfg.DatabaseURL)
}

func migrate(cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: rustok migrate up|down|status")
	}
	store, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()
	sqlDB, err := store.DB().DB()
	if err != nil {
		return err
	}
	p, err := migrations.NewProvider(sqlDB, store.Dialect())
	if err != nil {
		return err
	}
	switch args[0] {
	case "up":
		res, err := p.Up(ctx)
		for _, r := range res {
			fmt.Fprintf(stdout, "applied %s (%s)\n", migrations.Name(r.Source), r.Duration.Round(time.Millisecond))
		}
		if err == nil && len(res) == 0 {
			fmt.Fprintln(stdout, "nothing to apply: the schema is current")
		}
		return err
	case "down":
		if v, err := p.GetDBVersion(ctx); err == nil && v == 0 {
			fmt.Fprintln(stdout, "nothing to roll back: no migration is applied")
			return nil
		}
		r, err := p.Down(ctx)
		if r != nil {
			fmt.Fprintf(stdout, "rolled back %s\n", migrations.Name(r.Source))
		}
		return err
	case "status":
		st, err := p.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			when := "pending"
			if !s.AppliedAt.IsZero() {
				when = "applied " + s.AppliedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%05d  %-40s %s\n", s.Source.Version, migrations.Name(s.Source), when)
		}
		return nil
	}
	return fmt.Errorf("migrate: unknown action %q (want up, down or status)", args[0])
}

// openMigrated opens the store and applies pending migrations, for the commands that write.
func openMigrated(cfg config.Config) (*models.Store, error) {
	store, err := openStore(cfg)
	if err != nil {
		return nil, err
	}
	if _, err := store.Migrate(context.Background()); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

// seed creates the demo tenant and the super admin; running it again changes nothing.
func seed(cfg config.Config, stdout io.Writer) error {
	store, err := openMigrated(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()
	if err := bootstrapAdmin(ctx, cfg, store, stdout); err != nil {
		return err
	}
	tenant, err := store.CreateTenant(ctx, models.TenantInput{Slug: "acme", Name: "Acme Corporation", Locales: []string{"en", "de"},
		DefaultCurrency: "EUR", Currencies: []string{"EUR", "USD"}})
	switch {
	case errors.Is(err, models.ErrConflict):
		fmt.Fprintln(stdout, "demo tenant acme already exists")
		return nil
	case err != nil:
		return err
	}
	fmt.Fprintln(stdout, "created demo tenant acme (Acme Corporation, locales en, de)")
	return seedContent(ctx, cfg, store, tenant, stdout)
}

// seedContent gives a new demo tenant a published post in two languages and a draft page, so
// the content screens have something to show. Written by the bootstrap admin.
func seedContent(ctx context.Context, cfg config.Config, store *models.Store, tenant *models.Tenant, stdout io.Writer) error {
	admin, err := store.UserByEmail(ctx, cfg.AdminEmail)
	if errors.Is(err, models.ErrNotFound) {
		return nil // the first user was made another way; leave the tenant empty
	} else if err != nil {
		return err
	}
	post, err := store.CreateNode(ctx, tenant, admin.ID, models.NodeInput{Kind: models.NodePost, Translations: []models.TranslationInput{
		{Locale: "en", Title: "Welcome to RusToK Admin", Excerpt: "What this demo tenant is for.",
			Body: "# Welcome\n\nThis post was created by `rustok seed`. Edit it, translate it, or **unpublish** it; every change shows in its history."},
		{Locale: "de", Title: "Willkommen bei RusToK Admin", Excerpt: "Wozu dieser Demo-Mandant da ist.",
			Body: "# Willkommen\n\nDieser Beitrag wurde von `rustok seed` angelegt."},
	}})
	if err != nil {
		return fmt.Errorf("seed content: %w", err)
	}
	if _, err := store.TransitionNode(ctx, tenant, post.ID, models.NodePublished); err != nil {
		return fmt.Errorf("seed content: %w", err)
	}
	_, err = store.CreateNode(ctx, tenant, admin.ID, models.NodeInput{Kind: models.NodePage, Translations: []models.TranslationInput{
		{Locale: "en", Title: "About us", Body: "A draft page: pages can be nested under other pages."},
	}})
	if err != nil {
		return fmt.Errorf("seed content: %w", err)
	}
	fmt.Fprintln(stdout, "created demo content in acme: a published post (en, de) and a draft page")
	return seedCatalog(ctx, store, tenant, stdout)
}

// seedCatalog gives the demo tenant a few products: a T-shirt in Size × Colour priced in EUR and
// USD, one variant of it low on stock, a mug without options, and a draft.
func seedCatalog(ctx context.Context, store *models.Store, tenant *models.Tenant, stdout io.Writer) error {
	shirt, err := store.CreateProduct(ctx, tenant, models.ProductInput{Vendor: "Acme Apparel", ProductType: "T-shirt",
		Translations: []models.ProductTranslationInput{
			{Locale: "en", Title: "Classic T-shirt", Description: "Soft **organic cotton**, cut for every day."},
			{Locale: "de", Title: "Klassisches T-Shirt", Description: "Weiche **Bio-Baumwolle**."},
		},
		Options: []models.ProductOption{{Name: "Size", Values: []string{"S", "M", "L"}}, {Name: "Colour", Values: []string{"Red", "Blue"}}}})
	if err != nil {
		return fmt.Errorf("seed catalog: %w", err)
	}
	var edits []models.VariantEdit
	for i, v := range shirt.Variants {
		edits = append(edits, models.VariantEdit{ID: v.ID, Version: v.Version, SKU: fmt.Sprintf("TEE-%s-%s", v.Option1, strings.ToUpper(v.Option2[:3])),
			Prices:   map[string]models.PriceEdit{"EUR": {Amount: "24.90", CompareAt: "29.90"}, "USD": {Amount: "27.00"}},
			Quantity: &models.QuantityEdit{Seen: 0, To: strconv.Itoa(20 + 5*i)}})
	}
	edits[3].Quantity.To = "3" // M / Blue: low on stock
	if _, err := store.SaveVariants(ctx, tenant, shirt.ID, edits, true); err != nil {
		return fmt.Errorf("seed catalog: %w", err)
	}
	if _, err := store.TransitionProduct(ctx, tenant, shirt.ID, models.ProductActive); err != nil {
		return fmt.Errorf("seed catalog: %w", err)
	}
	mug, err := store.CreateProduct(ctx, tenant, models.ProductInput{Vendor: "Acme Home", ProductType: "Mug",
		Translations: []models.ProductTranslationInput{{Locale: "en", Title: "Enamel mug"}}})
	if err != nil {
		return fmt.Errorf("seed catalog: %w", err)
	}
	v := mug.Variants[0]
	if _, err := store.SaveVariants(ctx, tenant, mug.ID, []models.VariantEdit{{ID: v.ID, Version: v.Version, SKU: "MUG-ENAMEL",
		Prices: map[string]models.PriceEdit{"EUR": {Amount: "12.50"}, "USD": {Amount: "13.50"}}, Quantity: &models.QuantityEdit{Seen: 0, To: "40"}}}, true); err != nil {
		return fmt.Errorf("seed catalog: %w", err)
	}
	if _, err := store.TransitionProduct(ctx, tenant, mug.ID, models.ProductActive); err != nil {
		return fmt.Errorf("seed catalog: %w", err)
	}
	if _, err := store.CreateProduct(ctx, tenant, models.ProductInput{Vendor: "Acme Apparel", ProductType: "Hoodie",
		Translations: []models.ProductTranslationInput{{Locale: "en", Title: "Zip hoodie"}}}); err != nil {
		return fmt.Errorf("seed catalog: %w", err)
	}
	fmt.Fprintln(stdout, "created demo products in acme: a T-shirt (Size × Colour, EUR and USD, M / Blue low on stock), a mug and a draft hoodie")
	return nil
}

// resetPasswordCommand implements `user reset-password`: as a super admin would from the users
// page, it makes a one-time set-password link for the user (any earlier unused link stops
// working) and prints it, since the server sends no mail. Event: user.updated (password_reset_link).
func resetPasswordCommand(cfg config.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("user reset-password", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email address")
	base := fs.String("base-url", "", "the address users open the app at (default: http://localhost and the port of ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return errors.New("usage: rustok user reset-password --email E [--base-url URL]")
	}
	if *base == "" {
		port := "8080"
		if _, p, err := net.SplitHostPort(cfg.Addr); err == nil && p != "" {
			port = p
		}
		*base = "http://localhost:" + port
	}
	store, err := openMigrated(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()
	u, err := store.UserByEmail(ctx, *email)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("user reset-password: no user has the email %s", *email)
	} else if err != nil {
		return err
	}
	token, err := store.IssuePasswordReset(ctx, uuid.Nil, u.ID)
	if err != nil {
		return fmt.Errorf("user reset-password: %w", err)
	}
	fmt.Fprintf(stdout, "password reset link for %s (single use, valid 48 hours):\n%s%s\n", u.Email, strings.TrimRight(*base, "/"), paths.URL(paths.SetPassword, token))
	return nil
}

// resetTwoFactorCommand implements `user reset-two-factor`: for a user who lost both their
// phone and their recovery codes, a super admin turns their two-factor sign-in off (event:
// user.updated two_factor on → off); they sign in with the password and can set it up again.
func resetTwoFactorCommand(cfg config.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("user reset-two-factor", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return errors.New("usage: rustok user reset-two-factor --email E")
	}
	store, err := openMigrated(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()
	u, err := store.UserByEmail(ctx, *email)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("user reset-two-factor: no user has the email %s", *email)
	} else if err != nil {
		return err
	}
	if err := store.DisableTwoFactor(ctx, u.ID); errors.Is(err, models.ErrTwoFactorOff) {
		return fmt.Errorf("user reset-two-factor: %s does not use two-factor sign-in", u.Email)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "two-factor sign-in is off for %s: they sign in with their password and can set it up again\n", u.Email)
	return nil
}

// userCommand implements `user create`. The password is read from standard input, never from
// the command line, where it would show in ps and shell history.
func userCommand(cfg config.Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "reset-password" {
		return resetPasswordCommand(cfg, args[1:], stdout)
	}
	if len(args) > 0 && args[0] == "reset-two-factor" {
		return resetTwoFactorCommand(cfg, args[1:], stdout)
	}
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: rustok user create --email E --password-stdin [--super-admin] [--tenant SLUG --role ROLE]")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	email := fs.String("email", "", "email address")
	name := fs.String("name", "", "display name")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	super := fs.Bool("super-admin", false, "make the user a super admin")
	tenant := fs.String("tenant", "", "tenant slug to give the user a role in")
	role := fs.String("role", "", "role in --tenant")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if !*fromStdin {
		return errors.New("user create: pass --password-stdin and send the password on standard input")
	}
	if (*tenant == "") != (*role == "") {
		return errors.New("user create: --tenant and --role go together")
	}
	if *role != "" && !slices.Contains(models.SystemRoles, *role) {
		return fmt.Errorf("user create: --role must be one of %s (custom roles are given in the Users page)", strings.Join(models.SystemRoles, ", "))
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	password := strings.TrimRight(line, "\r\n")
	store, err := openMigrated(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()
	var created *models.User
	err = store.WithTx(ctx, func(ctx context.Context) error {
		u, err := store.CreateUser(ctx, models.UserInput{Email: *email, Name: *name, Password: password})
		if err != nil {
			return err
		}
		created = u
		if *super {
			if err := store.AssignRole(ctx, u.ID, models.RoleSuperAdmin, models.AllTenants); err != nil {
				return err
			}
		}
		if *tenant != "" {
			t, err := store.TenantBySlug(ctx, *tenant)
			if err != nil {
				return err
			}
			return store.AssignRole(ctx, u.ID, *role, t.ID.String())
		}
		return nil
	})
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("user create: %s", strings.TrimPrefix(ve.Error(), "invalid input; "))
	}
	if err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	fmt.Fprintf(stdout, "created user %s (%s)\n", created.Email, created.ID)
	return nil
}
