package handlers

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image/png"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/auth"
	"github.com/rustok/rustok-admin/views/components"
	userviews "github.com/rustok/rustok-admin/views/users"
)

// Two-factor sign-in (issue 15 item 4): TOTP with recovery codes (models/twofactor.go). A sign-in
// of a user who has it stops after the password: the session then names the user still to give
// their code (PendingUID), for pendingFor, and is signed in only by /login/code.

// pendingFor is how long the code may come after the password.
const pendingFor = 5 * time.Minute

// askSecondFactor keeps the user whose password was right in a new session and asks for the code.
func (a *App) askSecondFactor(c *fiber.Ctx, u *models.User, next string) error {
	s, err := a.fresh(c)
	if err != nil {
		return err
	}
	s.PendingUID, s.PendingAt, s.PendingNext, s.PendingEpoch = u.ID.String(), a.now().Unix(), next, u.SessionEpoch
	if err := s.Save(); err != nil {
		return err
	}
	return redirect(c, paths.URL(paths.LoginCode))
}

// pendingUser is the user a code is asked of, or nil when there is none (no password given,
// more than pendingFor ago, or the account has changed since).
func (a *App) pendingUser(c *fiber.Ctx) (*models.User, error) {
	s, err := a.session(c)
	if err != nil {
		return nil, err
	}
	id, err := uuid.Parse(s.PendingUID)
	if err != nil || a.now().Sub(time.Unix(s.PendingAt, 0)) > pendingFor {
		return nil, nil
	}
	u, err := a.store.UserByID(ctx(c), id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if u.Status != models.UserActive || !u.TwoFactor() || u.SessionEpoch != s.PendingEpoch { // the password changed since
		return nil, nil
	}
	return u, nil
}

func (a *App) signInAgain(c *fiber.Ctx) error {
	return a.flashRedirect(c, "info", "Please sign in again: the code must follow the password within 5 minutes.", paths.URL(paths.Login))
}

func (a *App) loginCodeShow(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return redirect(c, "/")
	}
	u, err := a.pendingUser(c)
	if err != nil {
		return err
	}
	if u == nil {
		return a.signInAgain(c)
	}
	return render(c, fiber.StatusOK, auth.CodePage(a.pageFor(c, "Two-factor sign-in"), auth.CodeForm{Email: u.Email}))
}

// loginCodePost checks the code and signs in. A wrong code, or an authenticator code already
// used, is a 422 and user.login_failed, and counts towards the same limits as a wrong password.
func (a *App) loginCodePost(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return redirect(c, "/")
	}
	u, err := a.pendingUser(c)
	if err != nil {
		return err
	}
	if u == nil {
		return a.signInAgain(c)
	}
	form := auth.CodeForm{Email: u.Email}
	kind, err := a.verifyCode(c, u)
	if errors.Is(err, models.ErrTwoFactorOff) { // turned off since the password
		return a.signInAgain(c)
	}
	if msg := codeRefusal(err); msg != "" {
		if ferr := a.store.RecordSignInFailure(ctx(c), u.Email, a.client(c)); ferr != nil {
			return ferr
		}
		a.log.WarnContext(ctx(c), "second factor refused", "user_id", u.ID.String(), "ip", c.IP())
		form.Fail("code", msg)
		form.Refuse("The code was not accepted.")
		pg := a.pageFor(c, "Two-factor sign-in")
		return page(c, fiber.StatusUnprocessableEntity, auth.CodePage(pg, form), auth.CodeAnswer(pg, form))
	} else if err != nil {
		return err
	}
	s, err := a.session(c)
	if err != nil {
		return err
	}
	return a.signIn(c, u, kind, s.PendingNext)
}

// verifyCode checks the form's code against u's second factor (models.Store.VerifySecondFactor);
// an empty one is ErrBadCode.
func (a *App) verifyCode(c *fiber.Ctx, u *models.User) (string, error) {
	code := strings.TrimSpace(c.FormValue("code"))
	if code == "" {
		return "", models.ErrBadCode
	}
	return a.store.VerifySecondFactor(ctx(c), u.ID, code)
}

// codeRefusal is what a refused code's field says ("" when err is not a refusal).
func codeRefusal(err error) string {
	switch {
	case errors.Is(err, models.ErrCodeUsed):
		return "That code has been used already. Wait for the app to show the next one."
	case errors.Is(err, models.ErrBadCode):
		return "That code is not right. Enter the 6-digit code the app shows now, or a recovery code."
	}
	return ""
}

// twoFactorShow is the enrolment while two-factor sign-in is off (a new secret, kept in the
// session until a code confirms it), else what can be done with it on.
func (a *App) twoFactorShow(c *fiber.Ctx) error {
	return a.renderTwoFactor(c, fiber.StatusOK, userviews.TwoFactor{Next: safeNext(c.Query("next"))})
}

func (a *App) renderTwoFactor(c *fiber.Ctx, status int, t userviews.TwoFactor) error {
	u := currentUser(c)
	c.Set(fiber.HeaderCacheControl, "no-store") // a secret or recovery codes: never from a cache
	pg := a.pageFor(c, "Two-factor sign-in")
	pg.Section = "account"
	if len(t.Codes) > 0 {
		return render(c, status, userviews.TwoFactorPage(pg, t))
	}
	if u.TwoFactor() {
		left, err := a.store.RecoveryCodesLeft(ctx(c), u.ID)
		if err != nil {
			return err
		}
		t.On, t.Since, t.RecoveryLeft = true, u.TOTPEnabledAt, left
		return render(c, status, userviews.TwoFactorPage(pg, t))
	}
	s, err := a.session(c)
	if err != nil {
		return err
	}
	if s.Enrolling == "" {
		key, err := models.NewTOTPKey(u.Email)
		if err != nil {
			return err
		}
		s.Enrolling = key.Secret()
		if err := s.Save(); err != nil {
			return err
		}
	}
	key, err := models.TOTPKeyFromSecret(u.Email, s.Enrolling)
	if err != nil {
		return err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	t.QR, t.Secret = "data:image/png;base64,"+base64.StdEncoding.EncodeToString(buf.Bytes()), s.Enrolling
	return render(c, status, userviews.TwoFactorPage(pg, t))
}

// twoFactorEnablePost turns two-factor sign-in on once a code of the enrolled secret is right,
// and shows the recovery codes, once.
func (a *App) twoFactorEnablePost(c *fiber.Ctx) error {
	u := currentUser(c)
	t := userviews.TwoFactor{Next: safeNext(c.FormValue("next"))}
	s, err := a.session(c)
	if err != nil {
		return err
	}
	if u.TwoFactor() || s.Enrolling == "" {
		return redirect(c, twoFactorURL(t.Next))
	}
	// The password too: with a stolen session alone nobody can lock the owner out.
	if ok, err := a.currentPasswordRight(c, &t.Enrol); !ok || err != nil {
		if err != nil {
			return err
		}
		return a.renderTwoFactor(c, fiber.StatusUnprocessableEntity, t)
	}
	codes, err := a.store.EnableTwoFactor(ctx(c), u.ID, s.Enrolling, c.FormValue("code"))
	switch {
	case errors.Is(err, models.ErrBadCode):
		t.Enrol.Fail("code", "That code is not right. Check that the phone's clock is set automatically, and enter the code the app shows now.")
		return a.renderTwoFactor(c, fiber.StatusUnprocessableEntity, t)
	case errors.Is(err, models.ErrTwoFactorOn):
		return redirect(c, twoFactorURL(t.Next))
	case err != nil:
		return err
	}
	// Every other session signed in with the password alone: they end, and this one counts as
	// signed in with the second factor it just proved.
	ended, err := a.store.EndSessions(ctx(c), u.ID, models.SessionEnd{All: true, Except: a.currentSessionID(c), Limits: a.sessionLimits()})
	if err != nil {
		return err
	}
	s.Enrolling, s.Factor = "", "totp"
	msg := "Two-factor sign-in is on. From now on, signing in asks for a code from the app."
	if ended > 0 {
		msg += " Your other sessions (" + strconv.Itoa(ended) + ") have been signed out."
	}
	setFlash(s, "success", msg)
	if err := s.Save(); err != nil {
		return err
	}
	a.users.Forget(u.ID)
	a.log.InfoContext(ctx(c), "two-factor sign-in turned on", "user_id", u.ID.String())
	t.Codes = codes
	return a.renderTwoFactor(c, fiber.StatusOK, t)
}

// currentPasswordRight checks the form's current_password, failing the field of fs when wrong.
func (a *App) currentPasswordRight(c *fiber.Ctx, fs *components.FormState) (bool, error) {
	ok, err := a.store.CheckUserPassword(ctx(c), currentUser(c), c.FormValue("current_password"))
	if err == nil && !ok {
		fs.Fail("current_password", "That is not your current password.")
	}
	return ok, err
}

func twoFactorURL(next string) string {
	if next == "" {
		return paths.URL(paths.AccountTwoFactor)
	}
	return paths.URL(paths.AccountTwoFactor) + "?next=" + url.QueryEscape(next)
}

// recoveryCodesPost makes new recovery codes after the current password, and shows them once.
func (a *App) recoveryCodesPost(c *fiber.Ctx) error {
	u := currentUser(c)
	var t userviews.TwoFactor
	if !u.TwoFactor() {
		return redirect(c, paths.URL(paths.AccountTwoFactor))
	}
	if ok, err := a.currentPasswordRight(c, &t.Regenerate); !ok || err != nil {
		if err != nil {
			return err
		}
		return a.renderTwoFactor(c, fiber.StatusUnprocessableEntity, t)
	}
	var err error
	if t.Codes, err = a.store.RegenerateRecoveryCodes(ctx(c), u.ID); errors.Is(err, models.ErrTwoFactorOff) {
		return redirect(c, paths.URL(paths.AccountTwoFactor))
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "recovery codes replaced", "user_id", u.ID.String())
	return a.renderTwoFactor(c, fiber.StatusOK, t)
}

// twoFactorDisablePost turns two-factor sign-in off after the password and a code.
func (a *App) twoFactorDisablePost(c *fiber.Ctx) error {
	u := currentUser(c)
	var t userviews.TwoFactor
	if !u.TwoFactor() {
		return redirect(c, paths.URL(paths.AccountTwoFactor))
	}
	if ok, err := a.currentPasswordRight(c, &t.Disable); !ok || err != nil {
		if err != nil {
			return err
		}
		return a.renderTwoFactor(c, fiber.StatusUnprocessableEntity, t)
	}
	_, err := a.verifyCode(c, u)
	if errors.Is(err, models.ErrTwoFactorOff) {
		return redirect(c, paths.URL(paths.AccountTwoFactor))
	}
	if msg := codeRefusal(err); msg != "" {
		t.Disable.Fail("code", msg)
		return a.renderTwoFactor(c, fiber.StatusUnprocessableEntity, t)
	} else if err != nil {
		return err
	}
	if err := a.store.DisableTwoFactor(ctx(c), u.ID); err != nil && !errors.Is(err, models.ErrTwoFactorOff) {
		return err
	}
	a.users.Forget(u.ID)
	a.log.InfoContext(ctx(c), "two-factor sign-in turned off", "user_id", u.ID.String())
	return a.flashRedirect(c, "success", "Two-factor sign-in is off: your password alone signs you in.", paths.URL(paths.Account))
}
