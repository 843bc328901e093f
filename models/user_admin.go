package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/migrations"
)

// Page sizes of a tenant's user list.
const (
	DefaultUsersPerPage = 20
	MaxUsersPerPage     = 100
)

// UserStatuses are the statuses a user may have, in the order a form offers them.
var UserStatuses = []string{UserActive, UserInactive, UserBanned}

// InviteValidity is how long a set-password link works.
const InviteValidity = 48 * time.Hour

// Refusals of a set-password link that exists. An unknown link is ErrNotFound.
var (
	// ErrLinkExpired means the link is older than InviteValidity.
	ErrLinkExpired = errors.New("set-password link expired")
	// ErrLinkUsed means a password was already set with the link.
	ErrLinkUsed = errors.New("set-password link already used")
)

// UserQuery narrows and pages a tenant's user list.
type UserQuery struct {
	Search  string  // part of the email or name, case-insensitive; % and _ match themselves
	Page    int     // 1-based; below 1 means the first page
	Cursor  *Cursor // a page's Prev or Next cursor (ParseCursor); wins over Page
	PerPage int     // below 1 means DefaultUsersPerPage; above MaxUsersPerPage is capped
	// CountUpTo bounds the count (Paging); below 1 means CountBound.
	CountUpTo int
}

// TenantUser is a user and the roles they hold in one tenant.
type TenantUser struct {
	User
	Roles   []string
	Invited bool // invited and has not set a password yet: no set-password link of theirs is used
}

// UserPage is one page of a tenant's users and where it sits among all matching users.
type UserPage struct {
	Users []TenantUser
	Paging
}

// members selects the ids (as text) of the users holding any role in the tenant. Platform roles
// ("*") do not count: super admins are not listed among a tenant's users.
func (s *Store) members(ctx context.Context, tenantID uuid.UUID) *gorm.DB {
	return s.Conn(ctx).Model(&CasbinRule{}).Select("v0").Where("ptype = 'g' AND v2 = ?", tenantID.String())
}

// UserSortName is the one order of the user list (the Sort of its cursors): name, then email.
const UserSortName = "name"

// userKey is the user list's order, for its keyset pages.
var userKey = keysetKey{sort: UserSortName, cols: []keyCol{{expr: "name"}, {expr: "email"}}, id: "id"}

// TenantUsers returns one page of the users holding a role in the tenant, with those roles,
// ordered by name then email, and how many match in all, counted up to the bound of the list
// kit (Paging). A page is read by q.Page, or by q.Cursor (a page's Prev or Next) without an
// OFFSET; a cursor of another list is a *ValidationError on "page".
func (s *Store) TenantUsers(ctx context.Context, tenantID uuid.UUID, q UserQuery) (UserPage, error) {
	page := UserPage{Paging: newPaging(q.Page, q.PerPage, DefaultUsersPerPage, MaxUsersPerPage)}

	db := s.Conn(ctx).Model(&User{}).Where("CAST(id AS TEXT) IN (?)", s.members(ctx, tenantID))
	if search := strings.TrimSpace(q.Search); search != "" {
		// As in ListTenants: lower() on both sides for the same match on both databases, and
		// ESCAPE spelled out because SQLite has no default escape character.
		db = db.Where(`(lower(email) LIKE lower(@p) ESCAPE '\' OR lower(name) LIKE lower(@p) ESCAPE '\')`,
			sql.Named("p", "%"+escapeLike(search)+"%"))
	}
	db = db.Session(&gorm.Session{}) // the page and the count each start from the same conditions
	// Each row brings its roles in the tenant and whether it is an invitation not yet taken up,
	// so the page is one statement (and the count a second only when the page cannot tell).
	roles := "(SELECT string_agg(r.v1, ',' ORDER BY r.v1) FROM casbin_rule r WHERE r.ptype = 'g' AND r.v2 = ? AND r.v0 = CAST(users.id AS TEXT))"
	if s.Dialect() == migrations.SQLite {
		roles = "(SELECT group_concat(r.v1, ',') FROM casbin_rule r WHERE r.ptype = 'g' AND r.v2 = ? AND r.v0 = CAST(users.id AS TEXT))"
	}
	invited := "(EXISTS (SELECT 1 FROM password_tokens p WHERE p.user_id = users.id AND p.purpose = 'invite') AND " +
		"NOT EXISTS (SELECT 1 FROM password_tokens p WHERE p.user_id = users.id AND p.used_at IS NOT NULL))"
	rows := db.Select("users.*, "+roles+" AS roles_csv, "+invited+" AS invited", tenantID.String()).Order(userKey.order(q.Cursor != nil && q.Cursor.Back)).Limit(page.PerPage + 1)
	if q.Cursor == nil {
		rows = rows.Offset(page.offset())
	} else {
		cond, args, err := userKey.condition(q.Cursor)
		if err != nil {
			return UserPage{}, err
		}
		rows = rows.Where(cond, args...)
	}
	var users []tenantUserRow
	if err := rows.Find(&users).Error; err != nil {
		return UserPage{}, translate(err, "list users")
	}
	users = keysetPage(&page.Paging, userKey, q.Cursor, users, func(u tenantUserRow) ([]*string, uuid.UUID) {
		return []*string{textKey(u.Name), textKey(u.Email)}, u.ID
	})
	if !page.totalFromRows(len(users), q.Cursor == nil) {
		total, capped, err := countBounded(s.Conn(ctx), db.Select("1"), q.CountUpTo)
		if err != nil {
			return UserPage{}, translate(err, "count users")
		}
		page.setCount(total, capped)
	}
	page.Users = make([]TenantUser, len(users))
	for i, u := range users {
		var roles []string
		if u.RolesCSV != nil && *u.RolesCSV != "" {
			roles = strings.Split(*u.RolesCSV, ",") // role names are [a-z0-9_-]: no comma
			slices.Sort(roles)                      // group_concat has no ORDER BY on SQLite
		}
		page.Users[i] = TenantUser{User: u.User, Roles: roles, Invited: u.Invited}
	}
	return page, nil
}

// tenantUserRow is a row of TenantUsers' page statement.
type tenantUserRow struct {
	User     `gorm:"embedded"`
	RolesCSV *string
	Invited  bool
}

// invitedAmong reports which of the users were invited and have not set their password yet:
// they have set-password links and none of them is used. A user created with a password has
// no link at all.
func (s *Store) invitedAmong(ctx context.Context, users []User) (map[uuid.UUID]bool, error) {
	out := map[uuid.UUID]bool{}
	if len(users) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	var invited []uuid.UUID
	err := s.Conn(ctx).Model(&PasswordToken{}).Select("user_id").Where("user_id IN ?", ids).
		Group("user_id").Having("COUNT(used_at) = 0 AND SUM(CASE WHEN purpose = 'invite' THEN 1 ELSE 0 END) > 0").Pluck("user_id", &invited).Error
	if err != nil {
		return nil, translate(err, "invited users")
	}
	for _, id := range invited {
		out[id] = true
	}
	return out, nil
}

// rolesInTenant returns the roles each of the users holds in the tenant, by user id, sorted.
func (s *Store) rolesInTenant(ctx context.Context, tenantID uuid.UUID, users []User) (map[string][]string, error) {
	out := map[string][]string{}
	if len(users) == 0 {
		return out, nil
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID.String()
	}
	var rows []CasbinRule
	err := s.Conn(ctx).Select("v0", "v1").Where("ptype = 'g' AND v2 = ? AND v0 IN ?", tenantID.String(), ids).
		Order("v1").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "roles of users")
	}
	for _, r := range rows {
		out[r.V0] = append(out[r.V0], r.V1)
	}
	return out, nil
}

// TenantUserByID returns the user with their roles in the tenant; a user who holds no role
// there is ErrNotFound, so one tenant's pages cannot open another tenant's users.
func (s *Store) TenantUserByID(ctx context.Context, tenantID, userID uuid.UUID) (*TenantUser, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	roles, err := s.rolesInTenant(ctx, tenantID, []User{*u})
	if err != nil {
		return nil, err
	}
	if len(roles[u.ID.String()]) == 0 {
		return nil, translate(gorm.ErrRecordNotFound, "user "+userID.String()+" in tenant")
	}
	invited, err := s.invitedAmong(ctx, []User{*u})
	if err != nil {
		return nil, err
	}
	return &TenantUser{User: *u, Roles: roles[u.ID.String()], Invited: invited[u.ID]}, nil
}

// BelongsElsewhere reports whether the user holds a role outside the tenant: in another
// tenant or on the platform. Such an account is not the tenant's alone to rename or switch off.
func (s *Store) BelongsElsewhere(ctx context.Context, userID, tenantID uuid.UUID) (bool, error) {
	var n int64
	err := s.Conn(ctx).Model(&CasbinRule{}).Where("ptype = 'g' AND v0 = ? AND v2 <> ?", userID.String(), tenantID.String()).
		Count(&n).Error
	return n > 0, translate(err, "memberships elsewhere")
}

// CreateTenantUser creates an active user with the password and gives them the role in the
// tenant: user.registered and user.role_assigned in one transaction. Every bad field — a taken
// email included — comes back in one *ValidationError.
func (s *Store) CreateTenantUser(ctx context.Context, tenantID uuid.UUID, in UserInput, role string) (*User, error) {
	return s.addTenantUser(ctx, tenantID, in, role, nil)
}

// InviteUser creates a user nobody can sign in as yet (a random password nobody knows), gives
// them the role in the tenant, and returns a one-time set-password token valid for
// InviteValidity. Only the token's SHA-256 is stored; the token itself is shown once.
func (s *Store) InviteUser(ctx context.Context, tenantID uuid.UUID, email, name, role string) (*User, string, error) {
	password, err := randomToken()
	if err != nil {
		return nil, "", err
	}
	token, err := randomToken()
	if err != nil {
		return nil, "", err
	}
	u, err := s.addTenantUser(ctx, tenantID, UserInput{Email: email, Name: name, Password: password}, role,
		func(ctx context.Context, u *User) error {
			now := time.Now().UTC()
			pt := PasswordToken{ID: uuid.Must(uuid.NewV7()), UserID: u.ID, TokenHash: hashToken(token),
				ExpiresAt: now.Add(InviteValidity), Purpose: "invite", CreatedAt: now}
			return translate(s.Conn(ctx).Create(&pt).Error, "create set-password link")
		})
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// addTenantUser validates the user and the role together — the role must exist and be one
// the grant rule lets the actor hand out — then creates the user, assigns the role and runs
// then (if any) in one transaction.
func (s *Store) addTenantUser(ctx context.Context, tenantID uuid.UUID, in UserInput, role string,
	then func(ctx context.Context, u *User) error) (*User, error) {
	in.Email = NormalizeEmail(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	var u *User
	err := s.WithTx(ctx, func(ctx context.Context) error {
		fe := fieldErrors{}
		var ve *ValidationError
		if err := in.Validate(); errors.As(err, &ve) {
			maps.Copy(fe, ve.Fields)
		} else if err != nil {
			return err
		}
		if role == "" {
			fe.add("role", "Choose a role.")
		} else if err := s.checkRoleToGive(ctx, tenantID, role, roleChange{what: "give the role “" + role + "”", field: "role"}); errors.As(err, &ve) {
			maps.Copy(fe, ve.Fields)
		} else if err != nil {
			return err
		}
		if err := fe.err(); err != nil {
			return err
		}
		var err error
		if u, err = s.CreateUser(ctx, in); errors.Is(err, ErrConflict) {
			return &ValidationError{Fields: map[string]string{"email": "A user with this email already exists."}}
		} else if err != nil {
			return err
		}
		if err := s.assignRole(ctx, u.ID, role, tenantID.String()); err != nil {
			return err
		}
		if then != nil {
			return then(ctx, u)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UserUpdate is what the user form may change; nil fields stay as they are.
type UserUpdate struct {
	Name    *string
	Status  *string
	Version *int // the version the form was loaded from; nil skips the check (version.go)
}

// UpdateUser changes the name and status with user.updated (old → new) and, when an active
// user becomes inactive or banned, user.deactivated, in one transaction. A deactivated user's
// sessions end on their next request. Nobody may deactivate themselves, nor the last user able
// to manage roles in one of their tenants. Changing nothing returns the user unchanged and
// emits nothing. A form loaded from another version than up.Version is refused with a
// *StaleError.
func (s *Store) UpdateUser(ctx context.Context, id uuid.UUID, up UserUpdate) (*User, error) {
	var u *User
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = s.UserByID(ctx, id); err != nil {
			return err
		}
		if err := s.checkVersion(ctx, u, up.Version); err != nil {
			return err
		}
		newName, newStatus := u.Name, u.Status
		if up.Name != nil {
			newName = strings.TrimSpace(*up.Name)
		}
		if up.Status != nil {
			newStatus = strings.TrimSpace(*up.Status)
		}
		deactivating := u.Status == UserActive && newStatus != UserActive
		fe := fieldErrors{}
		if len([]rune(newName)) > 200 {
			fe.add("name", "Name must be at most 200 characters.")
		}
		if !slices.Contains(UserStatuses, newStatus) {
			fe.add("status", "Choose active, inactive or banned.")
		} else if actor := events.ActorFrom(ctx); deactivating && actor != nil && *actor == id {
			fe.add("status", "You cannot deactivate your own account.")
		}
		if err := fe.err(); err != nil {
			return err
		}
		changes := events.Changes{}.Diff("name", u.Name, newName).Diff("status", u.Status, newStatus)
		if len(changes) == 0 {
			return nil
		}
		// RoleManagers counts active users only: switching off the last one would lock the
		// tenant, so deactivating is a guarded change in every tenant where the user manages roles.
		var before []guardState
		if deactivating {
			managed, err := s.tenantsManagedBy(ctx, id)
			if err != nil {
				return err
			}
			if before, err = s.guardrailsBefore(ctx, managed...); err != nil {
				return err
			}
		}
		u.Name, u.Status = newName, newStatus
		if err := s.saveVersioned(ctx, u, "update user", "name", "status"); err != nil {
			return err
		}
		if err := s.checkGuardrails(ctx, before...); err != nil {
			return err
		}
		evts := []events.Event{&events.UserUpdated{UserRef: events.UserRef{UserID: id}, Changes: changes}}
		if deactivating {
			evts = append(evts, &events.UserDeactivated{UserRef: events.UserRef{UserID: id}, Status: newStatus})
		}
		return s.Append(ctx, evts...)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UpdateTenantUser is UpdateUser from the pages of a tenant, where the grant rule applies too:
// nobody renames or switches off a user who may do more there than they may.
func (s *Store) UpdateTenantUser(ctx context.Context, tenantID, id uuid.UUID, up UserUpdate) (*User, error) {
	var u *User
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.checkGrantRule(ctx, tenantID, roleChange{what: "change this user", field: "guard", users: []uuid.UUID{id}}); err != nil {
			return err
		}
		var err error
		u, err = s.UpdateUser(ctx, id, up)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// tenantsManagedBy returns the ids of the tenants where the user may manage roles.
func (s *Store) tenantsManagedBy(ctx context.Context, userID uuid.UUID) ([]uuid.UUID, error) {
	var ids []string
	err := s.Conn(ctx).Raw(`SELECT DISTINCT g.v2 FROM casbin_rule g
		JOIN casbin_rule p ON p.ptype = 'p' AND p.v0 = g.v1 AND p.v1 = g.v2 AND p.v2 = 'roles' AND p.v3 IN ?
		WHERE g.ptype = 'g' AND g.v0 = ? AND g.v2 <> ?`, roleManagingActions, userID.String(), AllTenants).Scan(&ids).Error
	if err != nil {
		return nil, translate(err, "tenants managed by user")
	}
	return parseUUIDs(ids), nil
}

// PasswordToken is a one-time set-password link; only the SHA-256 of its token is stored.
type PasswordToken struct {
	ID        uuid.UUID `gorm:"type:uuid;primaryKey"`
	UserID    uuid.UUID `gorm:"type:uuid;not null"`
	TokenHash string    `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null"`
	UsedAt    *time.Time
	Purpose   string `gorm:"not null;default:invite"` // "invite" or "reset"
	CreatedAt time.Time
}

// usableToken returns the link of the token if it can still set a password: ErrNotFound for
// an unknown token, ErrLinkUsed or ErrLinkExpired otherwise.
func (s *Store) usableToken(ctx context.Context, token string) (*PasswordToken, error) {
	var pt PasswordToken
	if token == "" || len(token) > 100 {
		return nil, translate(gorm.ErrRecordNotFound, "set-password link")
	}
	if err := s.Conn(ctx).Where("token_hash = ?", hashToken(token)).Take(&pt).Error; err != nil {
		return nil, translate(err, "set-password link")
	}
	switch {
	case pt.UsedAt != nil:
		return nil, ErrLinkUsed
	case !time.Now().Before(pt.ExpiresAt):
		return nil, ErrLinkExpired
	}
	return &pt, nil
}

// UserForPasswordToken returns the user a set-password token is for, if the token can still
// be used (see SetPasswordWithToken for the errors).
func (s *Store) UserForPasswordToken(ctx context.Context, token string) (*User, error) {
	pt, err := s.usableToken(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, pt.UserID)
}

// SetPasswordWithToken sets the password of the token's user and uses the token up, with
// user.password_changed (the user is the actor), in one transaction. An unknown token is
// ErrNotFound; a used or expired one ErrLinkUsed or ErrLinkExpired; a bad password a
// *ValidationError that leaves the token usable.
func (s *Store) SetPasswordWithToken(ctx context.Context, token, password string) (*User, error) {
	var u *User
	err := s.WithTx(ctx, func(ctx context.Context) error {
		pt, err := s.usableToken(ctx, token)
		if err != nil {
			return err
		}
		// Claiming the row with a conditional update makes the link single-use even when two
		// requests race: only one of them changes a row.
		res := s.Conn(ctx).Model(&PasswordToken{}).Where("id = ? AND used_at IS NULL", pt.ID).Update("used_at", time.Now().UTC())
		if res.Error != nil {
			return translate(res.Error, "use set-password link")
		}
		if res.RowsAffected == 0 {
			return ErrLinkUsed
		}
		if err := s.ChangePassword(events.WithActor(ctx, pt.UserID), pt.UserID, password); err != nil {
			return err
		}
		u, err = s.UserByID(ctx, pt.UserID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// randomToken returns 32 random bytes, base64url-encoded (43 characters).
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashToken is what the database keeps of a token: its SHA-256, hex-encoded. The token carries
// 256 random bits, so a fast hash is enough; nothing can be guessed from it.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ErrResetNotYours refuses a password reset a tenant admin may not issue: the user also
// belongs to other tenants or to the platform, where the link would let the admin in too.
var ErrResetNotYours = errors.New("only a super admin can reset the password of a user who is also in other tenants or on the platform")

// checkUserIsTenants is what a tenant's admin must satisfy to act on a user's sign-in (a reset
// link, ending their sessions): the user belongs to that tenant and to no other, holds no
// platform role (else ErrResetNotYours), and may do nothing the admin may not (the grant rule).
func (s *Store) checkUserIsTenants(ctx context.Context, tenantID, userID uuid.UUID, what string) error {
	if err := s.checkGrantRule(ctx, tenantID, roleChange{what: what, field: "guard", users: []uuid.UUID{userID}}); err != nil {
		return err
	}
	ms, err := s.MembershipsOf(ctx, userID)
	if err != nil {
		return err
	}
	member := false
	for _, m := range ms {
		if m.Domain != tenantID.String() {
			return ErrResetNotYours
		}
		member = true
	}
	if !member {
		return fmt.Errorf("user %s in tenant %s: %w", userID, tenantID, ErrNotFound)
	}
	return nil
}

// IssuePasswordReset makes a one-time set-password link for the user, valid for InviteValidity,
// and returns its token (only its SHA-256 is stored). Any earlier unused link of the user stops
// working. With tenantID set (a tenant admin's request) the user must belong to that tenant and
// to no other, and hold no platform role, else ErrResetNotYours; uuid.Nil is the platform's (a
// super admin, the command line). Event: user.updated with password_reset_link "" → "issued, valid
// until …".
func (s *Store) IssuePasswordReset(ctx context.Context, tenantID, userID uuid.UUID) (string, error) {
	token, err := randomToken()
	if err != nil {
		return "", err
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		u, err := s.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if tenantID != uuid.Nil {
			if err := s.checkUserIsTenants(ctx, tenantID, u.ID, "reset this user's password"); err != nil {
				return err
			}
		}
		// Only the newest link works. One that replaces an unused invitation is an invitation
		// still: the user has not chosen a password yet.
		purpose := "reset"
		var pending int64
		if err := s.Conn(ctx).Model(&PasswordToken{}).Where("user_id = ? AND used_at IS NULL AND purpose = 'invite'", u.ID).Count(&pending).Error; err != nil {
			return translate(err, "set-password links")
		}
		if pending > 0 {
			purpose = "invite"
		}
		if err := s.Conn(ctx).Where("user_id = ? AND used_at IS NULL", u.ID).Delete(&PasswordToken{}).Error; err != nil {
			return translate(err, "replace set-password links")
		}
		now := time.Now().UTC()
		pt := PasswordToken{ID: uuid.Must(uuid.NewV7()), UserID: u.ID, TokenHash: hashToken(token), ExpiresAt: now.Add(InviteValidity),
			Purpose: purpose, CreatedAt: now}
		if err := s.Conn(ctx).Create(&pt).Error; err != nil {
			return translate(err, "create set-password link")
		}
		// The design's user.updated, with what changed (never the token).
		return s.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: u.ID},
			Changes: events.Changes{}.Diff("password_reset_link", "", "issued, valid until "+pt.ExpiresAt.Format("2006-01-02 15:04 UTC"))})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}
