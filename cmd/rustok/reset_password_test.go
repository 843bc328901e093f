package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// `rustok user reset-password` prints a one-time link that sets a new password, once.
func TestUserResetPasswordCommand(t *testing.T) {
	store := useDatabase(t)
	ctx := context.Background()
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tn := testkit.Tenant(t, store).Create()
	u := testkit.User(t, store).WithRole(tn, "manager").Create()
	t.Setenv("ADDR", ":9123")
	out, err := runCmd(t, "", "user", "reset-password", "--email", strings.ToUpper(u.Email))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	link := regexp.MustCompile(`http://localhost:9123/set-password/([A-Za-z0-9_-]{43})`).FindStringSubmatch(out)
	if link == nil {
		t.Fatalf("no link in %q", out)
	}
	if _, err := store.SetPasswordWithToken(ctx, link[1], "a brand new long password"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SetPasswordWithToken(ctx, link[1], "another new long password"); err == nil {
		t.Fatal("the link worked twice")
	}
	if _, err := runCmd(t, "", "user", "reset-password", "--email", "nobody@example.com"); err == nil || !strings.Contains(err.Error(), "no user") {
		t.Fatalf("unknown email: %v", err)
	}
}

func TestUserResetTwoFactorCommand(t *testing.T) {
	store := useDatabase(t)
	ctx := context.Background()
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u := testkit.User(t, store).Create()
	if _, err := runCmd(t, "", "user", "reset-two-factor", "--email", u.Email); err == nil || !strings.Contains(err.Error(), "does not use") {
		t.Fatalf("a user without it: %v", err)
	}
	testkit.TwoFactor(t, store, u.ID)
	out, err := runCmd(t, "", "user", "reset-two-factor", "--email", strings.ToUpper(u.Email))
	if err != nil || !strings.Contains(out, "two-factor sign-in is off") {
		t.Fatalf("%v\n%s", err, out)
	}
	if got, err := store.UserByID(ctx, u.ID); err != nil || got.TwoFactor() {
		t.Fatalf("still on (%v)", err)
	}
	if left, _ := store.RecoveryCodesLeft(ctx, u.ID); left != 0 {
		t.Fatalf("%d recovery codes kept", left)
	}
}
