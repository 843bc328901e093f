package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// TestUserCreateIsEnforcedByRunningProcesses: `rustok user create --tenant … --role admin`
// commits its membership from a process with no relay and no subscribers; two running serve
// processes, which have the tenant's policies cached, let the new admin in within a second —
// also when one of them was cut off from NATS while the command ran.
func TestUserCreateIsEnforcedByRunningProcesses(t *testing.T) {
	c := testkit.NewCluster(t, 2)
	a, b := c.Processes[0], c.Processes[1]
	t.Setenv("DATABASE_URL", c.DatabaseURL)
	t.Setenv("REDIS_URL", "")
	t.Setenv("NATS_URL", "")
	tn := testkit.Tenant(t, a.Store).Create()
	existing := testkit.User(t, a.Store).WithRole(tn, "admin").Create()
	users := "/t/" + tn.Slug + "/users"
	for _, p := range c.Processes { // both have the tenant's policies loaded and cached
		testkit.Client(t, p.TestApp).LoginAs(existing).Get(users).ExpectStatus(http.StatusOK)
	}
	create := func(t *testing.T, email string) testkit.FixtureUser {
		t.Helper()
		password := "the new admin's long password"
		if out, err := runCmd(t, password+"\n", "user", "create", "--email", email, "--password-stdin", "--tenant", tn.Slug, "--role", "admin"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		u, err := a.Store.UserByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		return testkit.FixtureUser{User: u, Password: password}
	}
	allowedWithin := func(t *testing.T, u testkit.FixtureUser, within time.Duration, ps ...*testkit.Process) {
		t.Helper()
		for _, p := range ps {
			client := testkit.Client(t, p.TestApp).LoginAs(u)
			testkit.Eventually(t, within, "the new admin opens the users page", func() bool {
				return client.Get(users).StatusCode == http.StatusOK
			})
		}
	}

	t.Run("both processes let the new admin in within a second", func(t *testing.T) {
		u := create(t, "cli-admin@example.com")
		allowedWithin(t, u, time.Second, a, b)
	})
	t.Run("a process cut off from NATS meanwhile lets them in within a second of reconnecting", func(t *testing.T) {
		b.CutNATS(t)
		u := create(t, "cli-admin-2@example.com")
		allowedWithin(t, u, time.Second, a)
		b.RestoreNATS(t)
		allowedWithin(t, u, time.Second, b)
	})
}
