package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
	tenantviews "github.com/rustok/rustok-admin/views/tenants"
	userviews "github.com/rustok/rustok-admin/views/users"
)

// The signed-in user's own account (/account, issue 15 item 2): their name, the time zone their
// browser reports, and a new password, which needs the current one and ends every other session
// of the user.

func (a *App) accountShow(c *fiber.Ctx) error {
	return a.renderAccount(c, fiber.StatusOK, accountOf(currentUser(c)))
}

func accountOf(u *models.User) userviews.Account {
	acc := userviews.Account{Email: u.Email, Name: u.Name, TimeZone: "UTC", Zones: tenantviews.CommonZones}
	if u.TimeZone != nil {
		acc.TimeZone = *u.TimeZone
		if u.TimeZoneFixed {
			acc.ZoneChoice = *u.TimeZone
		}
	}
	return acc
}

func (a *App) renderAccount(c *fiber.Ctx, status int, acc userviews.Account) error {
	u := currentUser(c)
	var err error
	if acc.Sessions, err = a.sessionRows(c, u); err != nil {
		return err
	}
	if acc.TwoFactor, acc.TwoFactorSince = u.TwoFactor(), u.TOTPEnabledAt; acc.TwoFactor {
		if acc.RecoveryLeft, err = a.store.RecoveryCodesLeft(ctx(c), u.ID); err != nil {
			return err
		}
	}
	pg := a.pageFor(c, "Your account")
	return render(c, status, userviews.AccountPage(pg, acc))
}

// accountPost saves the name and the time zone (user.updated). An empty zone follows the
// browser's (static/app.js reports it); a zone typed in is kept whatever the browser says.
func (a *App) accountPost(c *fiber.Ctx) error {
	u := currentUser(c)
	acc := accountOf(u)
	acc.Name = strings.TrimSpace(c.FormValue("name"))
	if acc.Name == "" {
		acc.Profile.Fail("name", "Enter your name.")
	}
	zone := strings.TrimSpace(c.FormValue("time_zone"))
	if zone != "" {
		if _, err := models.TimeZoneLocation(zone); err != nil {
			acc.Profile.Fail("time_zone", "Enter a time zone such as Europe/Berlin or America/New_York, or leave it empty to follow your browser.")
		}
	}
	chosen := acc.ZoneChoice
	acc.ZoneChoice = zone
	if acc.Profile.Invalid() {
		return a.renderAccount(c, fiber.StatusUnprocessableEntity, acc)
	}
	if _, err := a.store.UpdateUser(ctx(c), u.ID, models.UserUpdate{Name: &acc.Name}); err != nil {
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			for f, m := range ve.Fields {
				acc.Profile.Fail(f, m)
			}
			return a.renderAccount(c, fiber.StatusUnprocessableEntity, acc)
		}
		return err
	}
	if zone != chosen {
		if err := a.store.ChooseTimeZone(ctx(c), u.ID, zone); err != nil {
			return err
		}
	}
	a.users.Forget(u.ID)
	return a.flashRedirect(c, "success", "Your account is saved.", paths.URL(paths.Account))
}

// accountPasswordPost changes the password: the current one must be right, the new one follow
// the rules (user.password_changed). Every other session ends; this one goes on.
func (a *App) accountPasswordPost(c *fiber.Ctx) error {
	u := currentUser(c)
	acc := accountOf(u)
	current, next, again := c.FormValue("current_password"), c.FormValue("new_password"), c.FormValue("confirm_password")
	ok, err := a.store.CheckUserPassword(ctx(c), u, current)
	if err != nil {
		return err
	}
	switch {
	case !ok:
		acc.Password.Fail("current_password", "That is not your current password.")
	case next != again:
		acc.Password.Fail("confirm_password", "The two new passwords differ.")
	case next == current:
		acc.Password.Fail("new_password", "Choose a password you have not used here.")
	}
	if acc.Password.Invalid() {
		return a.renderAccount(c, fiber.StatusUnprocessableEntity, acc)
	}
	if err := a.store.ChangePasswordKeeping(ctx(c), u.ID, next, a.currentSessionID(c)); err != nil {
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			acc.Password.Fail("new_password", ve.Fields["password"])
			return a.renderAccount(c, fiber.StatusUnprocessableEntity, acc)
		}
		return err
	}
	a.users.Forget(u.ID)
	fresh, err := a.store.UserByID(ctx(c), u.ID)
	if err != nil {
		return err
	}
	s, err := a.session(c)
	if err != nil {
		return err
	}
	s.Epoch = fresh.SessionEpoch // this session goes on: the current password signed it in again
	return a.flashRedirect(c, "success", "Your password is changed. Your other sessions have ended.", paths.URL(paths.Account))
}

// accountEmailPost changes the sign-in address, after the current password (user.updated).
func (a *App) accountEmailPost(c *fiber.Ctx) error {
	u := currentUser(c)
	acc := accountOf(u)
	acc.NewEmail = strings.TrimSpace(c.FormValue("email"))
	ok, err := a.store.CheckUserPassword(ctx(c), u, c.FormValue("current_password"))
	if err != nil {
		return err
	}
	if !ok {
		acc.EmailForm.Fail("email_password", "That is not your current password.")
		return a.renderAccount(c, fiber.StatusUnprocessableEntity, acc)
	}
	if _, err := a.store.ChangeEmail(ctx(c), u.ID, acc.NewEmail); err != nil {
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			acc.EmailForm.Fail("email", ve.Fields["email"])
			return a.renderAccount(c, fiber.StatusUnprocessableEntity, acc)
		}
		return err
	}
	a.users.Forget(u.ID)
	return a.flashRedirect(c, "success", "Your email address is changed: sign in with the new one from now on.", paths.URL(paths.Account))
}
