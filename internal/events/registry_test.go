package events_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
)

// designCatalog is the event catalog of DESIGN.md ("Events"), hard-coded so that the code cannot
// drift from the design without this test noticing.
var designCatalog = []string{
	"tenant.created", "tenant.updated", "tenant.activated", "tenant.deactivated",
	"tenant.locale_enabled", "tenant.locale_disabled",
	"user.registered", "user.updated", "user.deactivated", "user.deleted", "user.logged_in",
	"user.login_failed", "user.password_changed", "user.role_assigned", "user.role_revoked",
	"role.created", "role.updated", "role.deleted", "role.permission_granted", "role.permission_revoked",
	"node.created", "node.updated", "node.translation_updated", "node.published", "node.unpublished",
	"node.archived", "node.deleted",
	"product.created", "product.updated", "product.published", "product.unpublished",
	"product.archived", "product.deleted",
	"variant.created", "variant.updated", "variant.deleted",
	"inventory.updated", "inventory.low", "price.updated",
}

func TestCatalogMatchesDesign(t *testing.T) {
	t.Parallel()

	t.Run("the design lists 39 distinct event types", func(t *testing.T) {
		t.Parallel()
		want := slices.Clone(designCatalog)
		slices.Sort(want)
		if len(slices.Compact(want)) != 39 {
			t.Fatalf("the hard-coded design catalog has %d distinct types, want 39", len(slices.Compact(want)))
		}
	})

	t.Run("Types returns exactly the design's event types, sorted", func(t *testing.T) {
		t.Parallel()
		want := slices.Clone(designCatalog)
		slices.Sort(want)
		got := events.Types()
		if !slices.Equal(got, want) {
			var missing, extra []string
			for _, w := range want {
				if !slices.Contains(got, w) {
					missing = append(missing, w)
				}
			}
			for _, g := range got {
				if !slices.Contains(want, g) {
					extra = append(extra, g)
				}
			}
			t.Fatalf("Types() differs from DESIGN.md: missing %v, not in the design %v", missing, extra)
		}
	})

	t.Run("the Catalog holds each design type exactly once", func(t *testing.T) {
		t.Parallel()
		if len(events.Catalog) != len(designCatalog) {
			t.Fatalf("Catalog has %d entries, want %d", len(events.Catalog), len(designCatalog))
		}
		seen := map[string]bool{}
		for _, ev := range events.Catalog {
			if seen[ev.EventType()] {
				t.Errorf("%s is in the Catalog twice", ev.EventType())
			}
			seen[ev.EventType()] = true
			if !slices.Contains(designCatalog, ev.EventType()) {
				t.Errorf("%s is not in DESIGN.md", ev.EventType())
			}
		}
	})
}

// fill sets every field of the struct ev points at to a non-zero value that passes validation.
// Overrides are looked up as "Type.Field", then "Field"; other fields get a generic value of
// their type. A field of a type the filler does not know fails the test, so a new payload
// field forces this filler (and so the round-trip check) to cover it.
func fill(t *testing.T, ev events.Event) {
	t.Helper()
	v := reflect.ValueOf(ev).Elem()
	fillStruct(t, v.Type().Name(), v)
}

var stringOverrides = map[string]string{
	"UserDeactivated.Status":    "banned",
	"NodeCreated.Status":        "published",
	"UserLoggedIn.SecondFactor": "totp",
	"ProductCreated.Status":     "active",
	"Slug":                      "acme-shop",
	"DefaultLocale":             "en",
	"Locale":                    "pt-BR",
	"Kind":                      "post",
	"Currency":                  "EUR",
	"Resource":                  "products",
	"Action":                    "publish",
	"Email":                     "jane@example.com",
	"IP":                        "203.0.113.7",
	"UserAgent":                 "Mozilla/5.0 (X11; Linux x86_64)",
	"Tenant":                    "*",
	"Role":                      "manager",
}

var (
	uuidType    = reflect.TypeFor[uuid.UUID]()
	changesType = reflect.TypeFor[events.Changes]()
)

func fillStruct(t *testing.T, typeName string, v reflect.Value) {
	t.Helper()
	for i := 0; i < v.NumField(); i++ {
		f, sf := v.Field(i), v.Type().Field(i)
		if !sf.IsExported() {
			t.Fatalf("%s.%s is unexported: payloads must round-trip through JSON", typeName, sf.Name)
		}
		if sf.Anonymous && f.Kind() == reflect.Struct {
			fillStruct(t, typeName, f)
			continue
		}
		fillValue(t, typeName, sf.Name, f)
	}
}

func fillValue(t *testing.T, typeName, field string, f reflect.Value) {
	t.Helper()
	switch {
	case f.Type() == uuidType:
		f.Set(reflect.ValueOf(uuid.New()))
		return
	case f.Type() == changesType:
		f.Set(reflect.ValueOf(events.Changes{"title": {Old: "Old title", New: "New title"}}))
		return
	}
	switch f.Kind() {
	case reflect.String:
		s, ok := stringOverrides[typeName+"."+field]
		if !ok {
			s, ok = stringOverrides[field]
		}
		if !ok {
			s = "some " + strings.ToLower(field)
		}
		f.SetString(s)
	case reflect.Bool:
		f.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f.SetInt(int64(7 + len(field))) // positive and distinct per field name
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f.SetUint(uint64(7 + len(field)))
	case reflect.Pointer:
		p := reflect.New(f.Type().Elem())
		fillValue(t, typeName, field, p.Elem())
		f.Set(p)
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.String {
			t.Fatalf("%s.%s: the filler does not know slices of %s", typeName, field, f.Type().Elem())
		}
		f.Set(reflect.ValueOf([]string{"en", "de"}).Convert(f.Type()))
	case reflect.Struct:
		fillStruct(t, typeName, f)
	default:
		t.Fatalf("%s.%s: the filler does not know %s; teach it a valid value", typeName, field, f.Type())
	}
}

// zeroFields returns the dotted paths of fields that are still zero.
func zeroFields(v reflect.Value, prefix string) []string {
	var out []string
	for i := 0; i < v.NumField(); i++ {
		f, sf := v.Field(i), v.Type().Field(i)
		name := prefix + sf.Name
		if sf.Anonymous && f.Kind() == reflect.Struct {
			out = append(out, zeroFields(f, name+".")...)
			continue
		}
		if f.IsZero() {
			out = append(out, name)
		}
	}
	return out
}

func TestEveryCatalogTypeRoundTrips(t *testing.T) {
	t.Parallel()
	for _, proto := range events.Catalog {
		typ := proto.EventType()
		t.Run(typ+" validates when fully populated and decodes back to the same value", func(t *testing.T) {
			t.Parallel()
			ev, err := events.New(typ)
			if err != nil {
				t.Fatalf("New(%q): %v", typ, err)
			}
			if reflect.TypeOf(ev) != reflect.TypeOf(proto) {
				t.Fatalf("New(%q) returned %T, want %T", typ, ev, proto)
			}
			if ev.EventType() != typ {
				t.Fatalf("%T.EventType() = %q, want %q", ev, ev.EventType(), typ)
			}
			fill(t, ev)
			if zero := zeroFields(reflect.ValueOf(ev).Elem(), ""); len(zero) > 0 {
				t.Fatalf("the filler left fields zero: %v", zero)
			}

			version, ok := events.CurrentVersion(typ)
			if !ok || version != ev.SchemaVersion() || version < 1 {
				t.Fatalf("CurrentVersion(%q) = %d, %v; the type declares %d", typ, version, ok, ev.SchemaVersion())
			}
			if ev.AggregateType() == "" || ev.AggregateID() == uuid.Nil {
				t.Fatalf("aggregate = %q/%s, want both set", ev.AggregateType(), ev.AggregateID())
			}
			if err := ev.Validate(); err != nil {
				t.Fatalf("Validate() of a fully populated %s: %v", typ, err)
			}

			payload, err := json.Marshal(ev)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			got, err := events.Decode(typ, version, payload)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, ev) {
				t.Fatalf("round trip changed the payload:\n sent %#v\n  got %#v\n json %s", ev, got, payload)
			}
			if got.AggregateID() != ev.AggregateID() {
				t.Fatalf("aggregate id %s after the round trip, want %s", got.AggregateID(), ev.AggregateID())
			}

			env := events.Envelope{EventType: typ, SchemaVersion: version, Payload: payload}
			viaEnvelope, err := env.Decode()
			if err != nil || !reflect.DeepEqual(viaEnvelope, ev) {
				t.Fatalf("Envelope.Decode() = %#v, %v", viaEnvelope, err)
			}
		})
	}
}

// valid returns a fully populated, valid event of the same type as proto.
func valid[E events.Event](t *testing.T, proto E) E {
	t.Helper()
	ev, err := events.New(proto.EventType())
	if err != nil {
		t.Fatal(err)
	}
	fill(t, ev)
	if err := ev.Validate(); err != nil {
		t.Fatalf("baseline %s is invalid: %v", ev.EventType(), err)
	}
	return ev.(E)
}

func TestValidationRejectsBadPayloads(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("é", n) } // runes, not bytes, are counted

	cases := []struct {
		name string
		make func(t *testing.T) events.Event
	}{
		{"an empty tenant id is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.TenantCreated{})
			e.TenantID = uuid.Nil
			return e
		}},
		{"an empty user id is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.UserRegistered{})
			e.UserID = uuid.Nil
			return e
		}},
		{"an empty variant id is refused even with a product id", func(t *testing.T) events.Event {
			e := valid(t, &events.VariantCreated{})
			e.VariantID = uuid.Nil
			return e
		}},
		{"an empty product id of a variant is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.InventoryUpdated{})
			e.ProductID = uuid.Nil
			return e
		}},
		{"an empty login attempt id is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.UserLoginFailed{})
			e.AttemptID = uuid.Nil
			return e
		}},
		{"an empty node author is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.NodeCreated{})
			e.AuthorID = uuid.Nil
			return e
		}},
		{"a tenant name longer than 200 characters is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.TenantCreated{})
			e.Name = long(201)
			return e
		}},
		{"an empty tenant name is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.TenantCreated{})
			e.Name = ""
			return e
		}},
		{"a user name longer than 200 characters is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.UserRegistered{})
			e.Name = long(201)
			return e
		}},
		{"a user agent longer than 2000 characters is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.UserLoggedIn{})
			e.UserAgent = long(2001)
			return e
		}},
		{"an unknown second factor is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.UserLoggedIn{})
			e.SecondFactor = "sms"
			return e
		}},
		{"a sku longer than 100 characters is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.VariantCreated{})
			e.SKU = long(101)
			return e
		}},
		{"a four-letter currency is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.PriceUpdated{})
			e.Currency = "EURO"
			return e
		}},
		{"a lower-case currency is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.PriceUpdated{})
			e.Currency = "usd"
			return e
		}},
		{"an empty currency is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.PriceUpdated{})
			e.Currency = ""
			return e
		}},
		{"a negative amount is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.PriceUpdated{})
			e.Amount = -1
			return e
		}},
		{"a negative low-stock threshold is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.InventoryLow{})
			e.Threshold = -1
			return e
		}},
		{"an unknown resource is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.RolePermissionGranted{})
			e.Resource = "widgets"
			return e
		}},
		{"an unknown action is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.RolePermissionRevoked{})
			e.Action = "fly"
			return e
		}},
		{"an update with no changes is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.TenantUpdated{})
			e.Changes = nil
			return e
		}},
		{"an update with an empty change map is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.ProductUpdated{})
			e.Changes = events.Changes{}
			return e
		}},
		{"a change with an empty field name is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.NodeUpdated{})
			e.Changes = events.Changes{"": {Old: "a", New: "b"}}
			return e
		}},
		{"an upper-case locale is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.TenantLocaleEnabled{})
			e.Locale = "EN"
			return e
		}},
		{"a locale with an underscore is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.TenantCreated{})
			e.DefaultLocale = "en_US"
			return e
		}},
		{"an empty locale is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.NodeTranslationUpdated{})
			e.Locale = ""
			return e
		}},
		{"an unknown node kind is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.NodeCreated{})
			e.Kind = "article"
			return e
		}},
		{"an active user is not a deactivation", func(t *testing.T) events.Event {
			e := valid(t, &events.UserDeactivated{})
			e.Status = "active"
			return e
		}},
		{"a node status on a product is refused", func(t *testing.T) events.Event {
			e := valid(t, &events.ProductCreated{})
			e.Status = "published"
			return e
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := tc.make(t)
			err := ev.Validate()
			if !errors.Is(err, events.ErrInvalid) {
				t.Fatalf("Validate() = %v, want an error wrapping ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), ev.EventType()) {
				t.Errorf("error %q does not name the event type %s", err, ev.EventType())
			}
		})
	}
}

func TestUpcasting(t *testing.T) {
	t.Parallel()

	t.Run("a stored version-1 user.logged_in decodes as version 3 with an empty client and no second factor", func(t *testing.T) {
		t.Parallel()
		if v, _ := events.CurrentVersion("user.logged_in"); v != 3 {
			t.Fatalf("user.logged_in is at version %d, this test expects 3", v)
		}
		id := uuid.New()
		got, err := events.Decode("user.logged_in", 1, []byte(`{"user_id":"`+id.String()+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		want := &events.UserLoggedIn{UserRef: events.UserRef{UserID: id}, SecondFactor: "none"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded %#v, want %#v", got, want)
		}
	})

	t.Run("a stored version-2 user.logged_in keeps its client and says no second factor was used", func(t *testing.T) {
		t.Parallel()
		id := uuid.New()
		got, err := events.Decode("user.logged_in", 2, []byte(`{"user_id":"`+id.String()+`","ip":"198.51.100.1","user_agent":"ua"}`))
		want := &events.UserLoggedIn{UserRef: events.UserRef{UserID: id}, IP: "198.51.100.1", UserAgent: "ua", SecondFactor: "none"}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded %#v, %v; want %#v", got, err, want)
		}
	})

	t.Run("upcasting keeps unrelated fields and overwrites none of the stored ones", func(t *testing.T) {
		t.Parallel()
		id := uuid.New()
		b, err := events.Upcast("user.logged_in", 1, []byte(`{"user_id":"`+id.String()+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"user_id": id.String(), "ip": "", "user_agent": "", "second_factor": "none"}
		if !reflect.DeepEqual(m, want) {
			t.Fatalf("upcast payload %v, want %v", m, want)
		}
	})

	t.Run("a payload at the current version is decoded as it is", func(t *testing.T) {
		t.Parallel()
		id := uuid.New()
		got, err := events.Decode("user.logged_in", 3, []byte(`{"user_id":"`+id.String()+`","ip":"198.51.100.1","user_agent":"ua","second_factor":"totp"}`))
		want := &events.UserLoggedIn{UserRef: events.UserRef{UserID: id}, IP: "198.51.100.1", UserAgent: "ua", SecondFactor: "totp"}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded %#v, %v; want %#v", got, err, want)
		}
	})

	errCases := []struct {
		name      string
		eventType string
		version   int
		payload   string
	}{
		{"a version newer than this build knows is an error", "user.logged_in", 4, `{"user_id":"` + uuid.NewString() + `"}`},
		{"a newer version of a version-1 type is an error", "tenant.created", 2, `{}`},
		{"a version with no upcaster path is an error", "tenant.created", 0, `{}`},
		{"an unknown event type is an error", "tenant.exploded", 1, `{}`},
		{"an empty event type is an error", "", 1, `{}`},
		{"an old payload that is not JSON is an error", "user.logged_in", 1, `not json`},
		{"a current payload of the wrong shape is an error", "user.logged_in", 3, `{"user_id":42}`},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if ev, err := events.Decode(tc.eventType, tc.version, []byte(tc.payload)); err == nil {
				t.Fatalf("Decode(%q, %d) = %#v, want an error", tc.eventType, tc.version, ev)
			}
		})
	}

	t.Run("New refuses an unknown type", func(t *testing.T) {
		t.Parallel()
		if _, err := events.New("tenant.exploded"); err == nil {
			t.Fatal("New of an unknown type succeeded")
		}
		if _, ok := events.CurrentVersion("tenant.exploded"); ok {
			t.Fatal("CurrentVersion knows an unknown type")
		}
	})
}

func TestChangesDiff(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		old, new any
		want     events.Changes
	}{
		{"equal values record nothing", "a", "a", events.Changes{}},
		{"different values record old and new", "a", "b", events.Changes{"f": {Old: "a", New: "b"}}},
		{"a value and its empty string differ", "a", "", events.Changes{"f": {Old: "a", New: ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := events.Changes{}.Diff("f", tc.old, tc.new)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Diff = %v, want %v", got, tc.want)
			}
		})
	}
}
