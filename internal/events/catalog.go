package events

import (
	"regexp"
	"slices"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/authz"
)

// The catalog: one type per event of DESIGN.md. Each declares its event_type, its current
// schema version and its aggregate; aggregates are referred to by embedded *Ref types so the id
// field has one name everywhere. Adding a type means adding it to Catalog below, and the
// registry test then round-trips it.

// Catalog lists one zero value of every event type; the registry is built from it.
var Catalog = []Event{
	&TenantCreated{}, &TenantUpdated{}, &TenantActivated{}, &TenantDeactivated{},
	&TenantLocaleEnabled{}, &TenantLocaleDisabled{},
	&UserRegistered{}, &UserUpdated{}, &UserDeactivated{}, &UserDeleted{}, &UserLoggedIn{},
	&UserLoginFailed{}, &UserPasswordChanged{}, &UserRoleAssigned{}, &UserRoleRevoked{},
	&RoleCreated{}, &RoleUpdated{}, &RoleDeleted{}, &RolePermissionGranted{}, &RolePermissionRevoked{},
	&NodeCreated{}, &NodeUpdated{}, &NodeTranslationUpdated{}, &NodePublished{}, &NodeUnpublished{},
	&NodeArchived{}, &NodeDeleted{},
	&ProductCreated{}, &ProductUpdated{}, &ProductPublished{}, &ProductUnpublished{},
	&ProductArchived{}, &ProductDeleted{},
	&VariantCreated{}, &VariantUpdated{}, &VariantDeleted{},
	&InventoryUpdated{}, &InventoryLow{}, &PriceUpdated{},
}

// Limits on strings carried in payloads.
const (
	maxShort = 200  // names, titles, emails, slugs
	maxLong  = 2000 // user agents, reasons
)

func checkID(ev Event, name string, id uuid.UUID) error {
	if id == uuid.Nil {
		return invalid(ev, "%s is empty", name)
	}
	return nil
}

func checkString(ev Event, name, s string, max int, required bool) error {
	if required && s == "" {
		return invalid(ev, "%s is empty", name)
	}
	if utf8.RuneCountInString(s) > max {
		return invalid(ev, "%s is longer than %d characters", name, max)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ---- aggregate references ----

// TenantRef names the tenant aggregate.
type TenantRef struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

func (TenantRef) AggregateType() string      { return "tenant" }
func (r TenantRef) AggregateID() uuid.UUID   { return r.TenantID }
func (r TenantRef) EventTenantID() uuid.UUID { return r.TenantID }
func (r TenantRef) check(ev Event) error     { return checkID(ev, "tenant_id", r.TenantID) }

// UserRef names the user aggregate.
type UserRef struct {
	UserID uuid.UUID `json:"user_id"`
}

func (UserRef) AggregateType() string    { return "user" }
func (r UserRef) AggregateID() uuid.UUID { return r.UserID }
func (r UserRef) check(ev Event) error   { return checkID(ev, "user_id", r.UserID) }

// RoleRef names the role aggregate.
type RoleRef struct {
	RoleID uuid.UUID `json:"role_id"`
}

func (RoleRef) AggregateType() string    { return "role" }
func (r RoleRef) AggregateID() uuid.UUID { return r.RoleID }
func (r RoleRef) check(ev Event) error   { return checkID(ev, "role_id", r.RoleID) }

// NodeRef names the content node aggregate.
type NodeRef struct {
	NodeID uuid.UUID `json:"node_id"`
}

func (NodeRef) AggregateType() string    { return "node" }
func (r NodeRef) AggregateID() uuid.UUID { return r.NodeID }
func (r NodeRef) check(ev Event) error   { return checkID(ev, "node_id", r.NodeID) }

// ProductRef names the product aggregate; variants, inventory and prices belong to it too, so
// their events stay in order with the product's.
type ProductRef struct {
	ProductID uuid.UUID `json:"product_id"`
}

func (ProductRef) AggregateType() string    { return "product" }
func (r ProductRef) AggregateID() uuid.UUID { return r.ProductID }
func (r ProductRef) check(ev Event) error   { return checkID(ev, "product_id", r.ProductID) }

// VariantRef names a variant inside the product aggregate.
type VariantRef struct {
	ProductRef
	VariantID uuid.UUID `json:"variant_id"`
}

func (r VariantRef) check(ev Event) error {
	return firstErr(r.ProductRef.check(ev), checkID(ev, "variant_id", r.VariantID))
}

// ---- tenants ----

// TenantCreated: a tenant was created.
type TenantCreated struct {
	TenantRef
	Slug          string   `json:"slug"`
	Name          string   `json:"name"`
	DefaultLocale string   `json:"default_locale"`
	Locales       []string `json:"locales"`
}

func (*TenantCreated) CreatesAggregate()  {}
func (*TenantCreated) EventType() string  { return "tenant.created" }
func (*TenantCreated) SchemaVersion() int { return 1 }
func (e *TenantCreated) Validate() error {
	return firstErr(e.check(e), checkString(e, "slug", e.Slug, 63, true), checkString(e, "name", e.Name, maxShort, true),
		checkLocale(e, e.DefaultLocale))
}

// TenantUpdated: tenant fields changed (old → new).
type TenantUpdated struct {
	TenantRef
	Changes Changes `json:"changes"`
}

func (*TenantUpdated) EventType() string  { return "tenant.updated" }
func (*TenantUpdated) SchemaVersion() int { return 1 }
func (e *TenantUpdated) Validate() error  { return firstErr(e.check(e), checkChanges(e, e.Changes)) }

// TenantActivated: a tenant was switched on.
type TenantActivated struct{ TenantRef }

func (*TenantActivated) EventType() string  { return "tenant.activated" }
func (*TenantActivated) SchemaVersion() int { return 1 }
func (e *TenantActivated) Validate() error  { return e.check(e) }

// TenantDeactivated: a tenant was switched off; its pages answer 404.
type TenantDeactivated struct{ TenantRef }

func (*TenantDeactivated) EventType() string  { return "tenant.deactivated" }
func (*TenantDeactivated) SchemaVersion() int { return 1 }
func (e *TenantDeactivated) Validate() error  { return e.check(e) }

// TenantLocaleEnabled: a locale was added to a tenant.
type TenantLocaleEnabled struct {
	TenantRef
	Locale string `json:"locale"`
}

func (*TenantLocaleEnabled) EventType() string  { return "tenant.locale_enabled" }
func (*TenantLocaleEnabled) SchemaVersion() int { return 1 }
func (e *TenantLocaleEnabled) Validate() error  { return firstErr(e.check(e), checkLocale(e, e.Locale)) }

// TenantLocaleDisabled: a locale was removed from a tenant.
type TenantLocaleDisabled struct {
	TenantRef
	Locale string `json:"locale"`
}

func (*TenantLocaleDisabled) EventType() string  { return "tenant.locale_disabled" }
func (*TenantLocaleDisabled) SchemaVersion() int { return 1 }
func (e *TenantLocaleDisabled) Validate() error {
	return firstErr(e.check(e), checkLocale(e, e.Locale))
}

// ---- users ----

// UserRegistered: a user account was created.
type UserRegistered struct {
	UserRef
	Email string `json:"email"`
	Name  string `json:"name"`
}

func (*UserRegistered) CreatesAggregate()  {}
func (*UserRegistered) EventType() string  { return "user.registered" }
func (*UserRegistered) SchemaVersion() int { return 1 }
func (e *UserRegistered) Validate() error {
	return firstErr(e.check(e), checkString(e, "email", e.Email, 254, true), checkString(e, "name", e.Name, maxShort, false))
}

// UserUpdated: user fields changed (old → new).
type UserUpdated struct {
	UserRef
	Changes Changes `json:"changes"`
}

func (*UserUpdated) EventType() string  { return "user.updated" }
func (*UserUpdated) SchemaVersion() int { return 1 }
func (e *UserUpdated) Validate() error  { return firstErr(e.check(e), checkChanges(e, e.Changes)) }

// UserDeactivated: a user can no longer sign in.
type UserDeactivated struct {
	UserRef
	Status string `json:"status"`
}

func (*UserDeactivated) EventType() string  { return "user.deactivated" }
func (*UserDeactivated) SchemaVersion() int { return 1 }
func (e *UserDeactivated) Validate() error {
	return firstErr(e.check(e), checkOneOf(e, "status", e.Status, "inactive", "banned"))
}

// UserDeleted: a user account was removed.
type UserDeleted struct{ UserRef }

func (*UserDeleted) EventType() string  { return "user.deleted" }
func (*UserDeleted) SchemaVersion() int { return 1 }
func (e *UserDeleted) Validate() error  { return e.check(e) }

// UserLoggedIn: a user signed in. Version 2 added the client's IP and user agent; stored
// version-1 rows are upcast with both empty. Version 3 added the second factor used: "none",
// "totp" or "recovery_code"; version-2 rows are upcast with "none" (there was none).
type UserLoggedIn struct {
	UserRef
	IP           string `json:"ip"`
	UserAgent    string `json:"user_agent"`
	SecondFactor string `json:"second_factor"`
}

func (*UserLoggedIn) EventType() string  { return "user.logged_in" }
func (*UserLoggedIn) SchemaVersion() int { return 3 }
func (e *UserLoggedIn) Validate() error {
	return firstErr(e.check(e), checkString(e, "ip", e.IP, 45, false), checkString(e, "user_agent", e.UserAgent, maxLong, false),
		checkOneOf(e, "second_factor", e.SecondFactor, "none", "totp", "recovery_code"))
}

// UserLoginFailed: a sign-in attempt failed. The aggregate is the attempted email (a name-based
// UUID of it), so failures for an unknown address are recorded without revealing anything.
type UserLoginFailed struct {
	AttemptID uuid.UUID `json:"attempt_id"`
	Email     string    `json:"email"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
}

// LoginAttemptID is the aggregate id of sign-in attempts for an email address.
func LoginAttemptID(email string) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("mailto:"+email))
}

func (*UserLoginFailed) EventType() string        { return "user.login_failed" }
func (*UserLoginFailed) SchemaVersion() int       { return 1 }
func (*UserLoginFailed) AggregateType() string    { return "login_attempt" }
func (e *UserLoginFailed) AggregateID() uuid.UUID { return e.AttemptID }
func (e *UserLoginFailed) Validate() error {
	return firstErr(checkID(e, "attempt_id", e.AttemptID), checkString(e, "email", e.Email, 254, false),
		checkString(e, "ip", e.IP, 45, false), checkString(e, "user_agent", e.UserAgent, maxLong, false))
}

// UserPasswordChanged: a user's password was changed (the hash is never in the event).
type UserPasswordChanged struct{ UserRef }

func (*UserPasswordChanged) EventType() string  { return "user.password_changed" }
func (*UserPasswordChanged) SchemaVersion() int { return 1 }
func (e *UserPasswordChanged) Validate() error  { return e.check(e) }

// UserRoleAssigned: a user was given a role in a tenant ("*" for platform roles).
type UserRoleAssigned struct {
	UserRef
	Role   string `json:"role"`
	Tenant string `json:"tenant"`
}

func (*UserRoleAssigned) EventType() string  { return "user.role_assigned" }
func (*UserRoleAssigned) SchemaVersion() int { return 1 }
func (e *UserRoleAssigned) Validate() error {
	return firstErr(e.check(e), checkString(e, "role", e.Role, 100, true), checkString(e, "tenant", e.Tenant, 100, true))
}

// UserRoleRevoked: a user lost a role in a tenant.
type UserRoleRevoked struct {
	UserRef
	Role   string `json:"role"`
	Tenant string `json:"tenant"`
}

func (*UserRoleRevoked) EventType() string  { return "user.role_revoked" }
func (*UserRoleRevoked) SchemaVersion() int { return 1 }
func (e *UserRoleRevoked) Validate() error {
	return firstErr(e.check(e), checkString(e, "role", e.Role, 100, true), checkString(e, "tenant", e.Tenant, 100, true))
}

// ---- roles ----

// RoleCreated: a role was created in a tenant, with the permissions it starts with
// ("resource:action"; the system roles of a new tenant start with the default matrix).
type RoleCreated struct {
	RoleRef
	Name        string   `json:"name"`
	System      bool     `json:"system"`
	Permissions []string `json:"permissions,omitempty"`
}

func (*RoleCreated) CreatesAggregate()  {}
func (*RoleCreated) EventType() string  { return "role.created" }
func (*RoleCreated) SchemaVersion() int { return 1 }
func (e *RoleCreated) Validate() error {
	return firstErr(e.check(e), checkString(e, "name", e.Name, 100, true))
}

// RoleUpdated: role fields changed (old → new).
type RoleUpdated struct {
	RoleRef
	Changes Changes `json:"changes"`
}

func (*RoleUpdated) EventType() string  { return "role.updated" }
func (*RoleUpdated) SchemaVersion() int { return 1 }
func (e *RoleUpdated) Validate() error  { return firstErr(e.check(e), checkChanges(e, e.Changes)) }

// RoleDeleted: a custom role was removed.
type RoleDeleted struct {
	RoleRef
	Name string `json:"name"`
}

func (*RoleDeleted) EventType() string  { return "role.deleted" }
func (*RoleDeleted) SchemaVersion() int { return 1 }
func (e *RoleDeleted) Validate() error {
	return firstErr(e.check(e), checkString(e, "name", e.Name, 100, true))
}

// RolePermissionGranted: a role may now do action on resource.
type RolePermissionGranted struct {
	RoleRef
	Resource string `json:"resource"`
	Action   string `json:"action"`
}

func (*RolePermissionGranted) EventType() string  { return "role.permission_granted" }
func (*RolePermissionGranted) SchemaVersion() int { return 1 }
func (e *RolePermissionGranted) Validate() error {
	return firstErr(e.check(e), checkOneOf(e, "resource", e.Resource, authz.Resources...), checkOneOf(e, "action", e.Action, authz.Actions...))
}

// RolePermissionRevoked: a role may no longer do action on resource.
type RolePermissionRevoked struct {
	RoleRef
	Resource string `json:"resource"`
	Action   string `json:"action"`
}

func (*RolePermissionRevoked) EventType() string  { return "role.permission_revoked" }
func (*RolePermissionRevoked) SchemaVersion() int { return 1 }
func (e *RolePermissionRevoked) Validate() error {
	return firstErr(e.check(e), checkOneOf(e, "resource", e.Resource, authz.Resources...), checkOneOf(e, "action", e.Action, authz.Actions...))
}

// ---- content ----

// NodeCreated: a post or page was created.
type NodeCreated struct {
	NodeRef
	Kind     string     `json:"kind"`
	Status   string     `json:"status"`
	AuthorID uuid.UUID  `json:"author_id"`
	ParentID *uuid.UUID `json:"parent_id,omitempty"`
}

func (*NodeCreated) CreatesAggregate()  {}
func (*NodeCreated) EventType() string  { return "node.created" }
func (*NodeCreated) SchemaVersion() int { return 1 }
func (e *NodeCreated) Validate() error {
	return firstErr(e.check(e), checkOneOf(e, "kind", e.Kind, "post", "page"),
		checkOneOf(e, "status", e.Status, "draft", "published", "archived"), checkID(e, "author_id", e.AuthorID))
}

// NodeUpdated: node fields changed (old → new).
type NodeUpdated struct {
	NodeRef
	Changes Changes `json:"changes"`
}

func (*NodeUpdated) EventType() string  { return "node.updated" }
func (*NodeUpdated) SchemaVersion() int { return 1 }
func (e *NodeUpdated) Validate() error  { return firstErr(e.check(e), checkChanges(e, e.Changes)) }

// NodeTranslationUpdated: one locale's title, slug, excerpt or body changed (old → new).
type NodeTranslationUpdated struct {
	NodeRef
	Locale  string  `json:"locale"`
	Changes Changes `json:"changes"`
}

func (*NodeTranslationUpdated) EventType() string  { return "node.translation_updated" }
func (*NodeTranslationUpdated) SchemaVersion() int { return 1 }
func (e *NodeTranslationUpdated) Validate() error {
	return firstErr(e.check(e), checkLocale(e, e.Locale), checkChanges(e, e.Changes))
}

// NodePublished: a node went live.
type NodePublished struct{ NodeRef }

func (*NodePublished) EventType() string  { return "node.published" }
func (*NodePublished) SchemaVersion() int { return 1 }
func (e *NodePublished) Validate() error  { return e.check(e) }

// NodeUnpublished: a published node went back to draft.
type NodeUnpublished struct{ NodeRef }

func (*NodeUnpublished) EventType() string  { return "node.unpublished" }
func (*NodeUnpublished) SchemaVersion() int { return 1 }
func (e *NodeUnpublished) Validate() error  { return e.check(e) }

// NodeArchived: a node was archived.
type NodeArchived struct{ NodeRef }

func (*NodeArchived) EventType() string  { return "node.archived" }
func (*NodeArchived) SchemaVersion() int { return 1 }
func (e *NodeArchived) Validate() error  { return e.check(e) }

// NodeDeleted: a node was deleted.
type NodeDeleted struct{ NodeRef }

func (*NodeDeleted) EventType() string  { return "node.deleted" }
func (*NodeDeleted) SchemaVersion() int { return 1 }
func (e *NodeDeleted) Validate() error  { return e.check(e) }

// ---- commerce ----

// ProductCreated: a product was created.
type ProductCreated struct {
	ProductRef
	Status      string `json:"status"`
	Vendor      string `json:"vendor"`
	ProductType string `json:"product_type"`
}

func (*ProductCreated) CreatesAggregate()  {}
func (*ProductCreated) EventType() string  { return "product.created" }
func (*ProductCreated) SchemaVersion() int { return 1 }
func (e *ProductCreated) Validate() error {
	return firstErr(e.check(e), checkOneOf(e, "status", e.Status, "draft", "active", "archived"),
		checkString(e, "vendor", e.Vendor, maxShort, false), checkString(e, "product_type", e.ProductType, maxShort, false))
}

// ProductUpdated: product fields changed (old → new).
type ProductUpdated struct {
	ProductRef
	Changes Changes `json:"changes"`
}

func (*ProductUpdated) EventType() string  { return "product.updated" }
func (*ProductUpdated) SchemaVersion() int { return 1 }
func (e *ProductUpdated) Validate() error  { return firstErr(e.check(e), checkChanges(e, e.Changes)) }

// ProductPublished: a product became active.
type ProductPublished struct{ ProductRef }

func (*ProductPublished) EventType() string  { return "product.published" }
func (*ProductPublished) SchemaVersion() int { return 1 }
func (e *ProductPublished) Validate() error  { return e.check(e) }

// ProductUnpublished: an active product went back to draft.
type ProductUnpublished struct{ ProductRef }

func (*ProductUnpublished) EventType() string  { return "product.unpublished" }
func (*ProductUnpublished) SchemaVersion() int { return 1 }
func (e *ProductUnpublished) Validate() error  { return e.check(e) }

// ProductArchived: a product was archived.
type ProductArchived struct{ ProductRef }

func (*ProductArchived) EventType() string  { return "product.archived" }
func (*ProductArchived) SchemaVersion() int { return 1 }
func (e *ProductArchived) Validate() error  { return e.check(e) }

// ProductDeleted: a product was deleted.
type ProductDeleted struct{ ProductRef }

func (*ProductDeleted) EventType() string  { return "product.deleted" }
func (*ProductDeleted) SchemaVersion() int { return 1 }
func (e *ProductDeleted) Validate() error  { return e.check(e) }

// VariantCreated: a variant was added to a product.
type VariantCreated struct {
	VariantRef
	SKU   string `json:"sku"`
	Title string `json:"title"`
}

func (*VariantCreated) EventType() string  { return "variant.created" }
func (*VariantCreated) SchemaVersion() int { return 1 }
func (e *VariantCreated) Validate() error {
	return firstErr(e.check(e), checkString(e, "sku", e.SKU, 100, false), checkString(e, "title", e.Title, maxShort, false))
}

// VariantUpdated: variant fields changed (old → new).
type VariantUpdated struct {
	VariantRef
	Changes Changes `json:"changes"`
}

func (*VariantUpdated) EventType() string  { return "variant.updated" }
func (*VariantUpdated) SchemaVersion() int { return 1 }
func (e *VariantUpdated) Validate() error  { return firstErr(e.check(e), checkChanges(e, e.Changes)) }

// VariantDeleted: a variant was removed.
type VariantDeleted struct {
	VariantRef
	SKU string `json:"sku"`
}

func (*VariantDeleted) EventType() string  { return "variant.deleted" }
func (*VariantDeleted) SchemaVersion() int { return 1 }
func (e *VariantDeleted) Validate() error {
	return firstErr(e.check(e), checkString(e, "sku", e.SKU, 100, false))
}

// InventoryUpdated: a variant's stock level changed.
type InventoryUpdated struct {
	VariantRef
	SKU         string `json:"sku"`
	OldQuantity int64  `json:"old_quantity"`
	NewQuantity int64  `json:"new_quantity"`
	Reason      string `json:"reason"`
}

func (*InventoryUpdated) EventType() string  { return "inventory.updated" }
func (*InventoryUpdated) SchemaVersion() int { return 1 }
func (e *InventoryUpdated) Validate() error {
	return firstErr(e.check(e), checkString(e, "sku", e.SKU, 100, false), checkString(e, "reason", e.Reason, maxLong, false))
}

// InventoryLow: stock fell to or below the variant's low-stock threshold.
type InventoryLow struct {
	VariantRef
	SKU       string `json:"sku"`
	Quantity  int64  `json:"quantity"`
	Threshold int64  `json:"threshold"`
}

func (*InventoryLow) EventType() string  { return "inventory.low" }
func (*InventoryLow) SchemaVersion() int { return 1 }
func (e *InventoryLow) Validate() error {
	if e.Threshold < 0 {
		return invalid(e, "threshold is negative")
	}
	return firstErr(e.check(e), checkString(e, "sku", e.SKU, 100, false))
}

// PriceUpdated: a variant's price in one currency changed. Amounts are in minor units.
type PriceUpdated struct {
	VariantRef
	Currency           string `json:"currency"`
	OldAmount          *int64 `json:"old_amount,omitempty"`
	Amount             int64  `json:"amount"`
	CompareAtAmount    *int64 `json:"compare_at_amount,omitempty"`
	OldCompareAtAmount *int64 `json:"old_compare_at_amount,omitempty"`
}

func (*PriceUpdated) EventType() string  { return "price.updated" }
func (*PriceUpdated) SchemaVersion() int { return 1 }
func (e *PriceUpdated) Validate() error {
	if e.Amount < 0 {
		return invalid(e, "amount is negative")
	}
	if !IsCurrency(e.Currency) {
		return invalid(e, "%q is not an ISO 4217 currency code", e.Currency)
	}
	return e.check(e)
}

// ---- shared checks ----

var localeRe = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

func checkLocale(ev Event, l string) error {
	if !localeRe.MatchString(l) {
		return invalid(ev, "%q is not a locale code", l)
	}
	return nil
}

func checkOneOf(ev Event, name, v string, allowed ...string) error {
	if !slices.Contains(allowed, v) {
		return invalid(ev, "%s %q is not one of %v", name, v, allowed)
	}
	return nil
}

func checkChanges(ev Event, c Changes) error {
	if len(c) == 0 {
		return invalid(ev, "no changes")
	}
	for field := range c {
		if err := checkString(ev, "changed field name", field, 100, true); err != nil {
			return err
		}
	}
	return nil
}
