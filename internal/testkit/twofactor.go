package testkit

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/rustok/rustok-admin/models"
)

// TwoFactor turns on two-factor sign-in for a fixture user, as enrolment does (a real secret,
// confirmed by a code of it): the code of the previous 30-second step is spent, so the current
// and the next step remain for sign-ins. It returns the secret and the 10 recovery codes.
func TwoFactor(t testing.TB, store *models.Store, userID uuid.UUID) (secret string, recovery []string) {
	t.Helper()
	key, err := models.NewTOTPKey("fixture@example.com")
	if err != nil {
		t.Fatal(err)
	}
	codes, err := store.EnableTwoFactor(context.Background(), userID, key.Secret(), TOTPCode(t, key.Secret(), time.Now().Add(-30*time.Second)))
	if err != nil {
		t.Fatalf("testkit: turn on two-factor sign-in: %v", err)
	}
	return key.Secret(), codes
}

// TOTPCode is the authenticator app's code for the secret at the moment.
func TOTPCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// UnusedTOTPCode is a code the server will accept now: of the current step or the next, and
// later than the last code it accepted from the user (a code is never accepted twice).
func UnusedTOTPCode(t testing.TB, store *models.Store, userID uuid.UUID, secret string) string {
	t.Helper()
	u, err := store.UserByID(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, at := range []time.Time{now, now.Add(30 * time.Second)} {
		if at.Unix()/30 > u.TOTPLastStep {
			return TOTPCode(t, secret, at)
		}
	}
	t.Fatal("testkit: every code the server would accept now has been used; sign in fewer times per 30 seconds")
	return ""
}

// LoginWithCode signs the client in as a user with two-factor sign-in: the password, then code.
func (c *HTTPClient) LoginWithCode(u FixtureUser, code string) *HTTPClient {
	c.t.Helper()
	c.Get("/login")
	res := c.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login/code") {
		c.t.Fatalf("testkit: password of %s: status %d to %q, want 303 to /login/code", u.Email, res.StatusCode, res.Header.Get("Location"))
	}
	c.Get("/login/code")
	res = c.PostForm("/login/code", url.Values{"code": {code}})
	if res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("testkit: code of %s: status %d, want 303\n%s", u.Email, res.StatusCode, res.Body)
	}
	return c
}
