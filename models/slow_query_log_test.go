package models_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// A slow statement is logged with its placeholders, never its values: they may be a password
// hash or a two-factor secret (here the code check, which writes to the user's row, and the
// enrolment, which writes the secret). Not parallel: it swaps the default logger.
func TestSlowQueryLogKeepsValuesOut(t *testing.T) {
	store := testkit.NewDB(t)
	ctx := context.Background()
	u := testkit.User(t, store).Create()

	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)
	logged := store.LoggingEverything()
	secret, _ := testkit.TwoFactor(t, logged, u.ID)
	if _, err := logged.VerifySecondFactor(ctx, u.ID, testkit.UnusedTOTPCode(t, store, u.ID, secret)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "slow query") || !strings.Contains(out, "totp_secret") {
		t.Fatalf("the statements were not logged:\n%s", out)
	}
	for _, value := range []string{secret, u.ID.String(), u.PasswordHash} {
		if strings.Contains(out, value) {
			t.Fatalf("the log holds a value (%.12s…):\n%s", value, out)
		}
	}
}
