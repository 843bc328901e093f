package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// A code passes once even when requests race with it: the conditional update lets one through.
func TestSecondFactorCodesPassOnceUnderRaces(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	ctx := context.Background()
	u := testkit.User(t, store).Create()
	secret, recovery := testkit.TwoFactor(t, store, u.ID)

	race := func(code string) (passed int, refused []error) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := store.VerifySecondFactor(ctx, u.ID, code)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					passed++
				} else {
					refused = append(refused, err)
				}
			}()
		}
		wg.Wait()
		return passed, refused
	}
	for name, code := range map[string]string{"authenticator": testkit.UnusedTOTPCode(t, store, u.ID, secret), "recovery": recovery[3]} {
		passed, refused := race(code)
		if passed != 1 {
			t.Fatalf("%s code: %d of 8 racing requests passed, want 1 (refused: %v)", name, passed, refused)
		}
		for _, err := range refused {
			if !errors.Is(err, models.ErrCodeUsed) && !errors.Is(err, models.ErrBadCode) {
				t.Fatalf("%s code: refused with %v", name, err)
			}
		}
	}
	// An older step than the last accepted one is refused too, although it is within the window.
	if _, err := store.VerifySecondFactor(ctx, u.ID, testkit.TOTPCode(t, secret, time.Now().Add(-30*time.Second))); !errors.Is(err, models.ErrCodeUsed) {
		t.Fatalf("an earlier step's code: %v, want ErrCodeUsed", err)
	}
	// A code of a step outside the window is wrong.
	if _, err := store.VerifySecondFactor(ctx, u.ID, testkit.TOTPCode(t, secret, time.Now().Add(5*time.Minute))); !errors.Is(err, models.ErrBadCode) {
		t.Fatalf("a code five minutes ahead: %v, want ErrBadCode", err)
	}
}

// Enabling twice is refused, and the secret of an enrolment must match its code.
func TestEnableTwoFactorChecksTheCode(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	ctx := context.Background()
	u := testkit.User(t, store).Create()
	key, err := models.NewTOTPKey(u.Email)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := models.NewTOTPKey(u.Email)
	if _, err := store.EnableTwoFactor(ctx, u.ID, key.Secret(), testkit.TOTPCode(t, other.Secret(), time.Now())); !errors.Is(err, models.ErrBadCode) {
		t.Fatalf("another secret's code: %v", err)
	}
	if _, err := store.EnableTwoFactor(ctx, u.ID, key.Secret(), testkit.TOTPCode(t, key.Secret(), time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := store.EnableTwoFactor(ctx, u.ID, other.Secret(), testkit.TOTPCode(t, other.Secret(), time.Now())); !errors.Is(err, models.ErrTwoFactorOn) {
		t.Fatalf("enabling again: %v", err)
	}
	if k, err := models.TOTPKeyFromSecret(u.Email, key.Secret()); err != nil || k.Secret() != key.Secret() || k.Issuer() != models.TOTPIssuer || k.AccountName() != u.Email {
		t.Fatalf("the enrolment's key: %v %v", k, err)
	}
}
