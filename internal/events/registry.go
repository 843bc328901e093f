package events

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
)

// entry is what the registry knows about one event type.
type entry struct {
	version int
	typ     reflect.Type // the struct type (not the pointer)
}

var registry = func() map[string]entry {
	m := map[string]entry{}
	for _, ev := range Catalog {
		if _, dup := m[ev.EventType()]; dup {
			panic("events: " + ev.EventType() + " is in the catalog twice")
		}
		m[ev.EventType()] = entry{version: ev.SchemaVersion(), typ: reflect.TypeOf(ev).Elem()}
	}
	return m
}()

// Types returns every registered event_type, sorted.
func Types() []string {
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// CurrentVersion returns the schema version new events of the type are written with.
func CurrentVersion(eventType string) (int, bool) {
	e, ok := registry[eventType]
	return e.version, ok
}

// New returns an empty payload of the type's current version.
func New(eventType string) (Event, error) {
	e, ok := registry[eventType]
	if !ok {
		return nil, fmt.Errorf("events: unknown event type %q", eventType)
	}
	return reflect.New(e.typ).Interface().(Event), nil
}

// Upcaster turns the JSON payload of one schema version into the next version's.
type Upcaster func(payload map[string]any) (map[string]any, error)

type upcastKey struct {
	eventType string
	from      int
}

var upcasters = map[upcastKey]Upcaster{}

// RegisterUpcaster registers the step from version from to from+1 of an event type.
func RegisterUpcaster(eventType string, from int, up Upcaster) {
	upcasters[upcastKey{eventType, from}] = up
}

func init() {
	// user.logged_in v1 → v2: v2 added the client's ip and user_agent, unknown for old rows.
	RegisterUpcaster("user.logged_in", 1, func(p map[string]any) (map[string]any, error) {
		p["ip"], p["user_agent"] = "", ""
		return p, nil
	})
	// user.logged_in v2 → v3: v3 added the second factor; before it there was none.
	RegisterUpcaster("user.logged_in", 2, func(p map[string]any) (map[string]any, error) {
		p["second_factor"] = "none"
		return p, nil
	})
}

// Upcast brings a stored payload of version to the type's current version.
func Upcast(eventType string, version int, payload []byte) ([]byte, error) {
	current, ok := CurrentVersion(eventType)
	if !ok {
		return nil, fmt.Errorf("events: unknown event type %q", eventType)
	}
	if version == current {
		return payload, nil
	}
	if version > current {
		return nil, fmt.Errorf("events: %s version %d is newer than this build knows (%d)", eventType, version, current)
	}
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		return nil, fmt.Errorf("events: %s v%d payload: %w", eventType, version, err)
	}
	for v := version; v < current; v++ {
		up, ok := upcasters[upcastKey{eventType, v}]
		if !ok {
			return nil, fmt.Errorf("events: no upcaster for %s from version %d", eventType, v)
		}
		var err error
		if m, err = up(m); err != nil {
			return nil, fmt.Errorf("events: upcast %s v%d: %w", eventType, v, err)
		}
	}
	return json.Marshal(m)
}

// Decode reads a stored payload of any version as the type's current Go type.
func Decode(eventType string, version int, payload []byte) (Event, error) {
	b, err := Upcast(eventType, version, payload)
	if err != nil {
		return nil, err
	}
	ev, err := New(eventType)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, ev); err != nil {
		return nil, fmt.Errorf("events: decode %s: %w", eventType, err)
	}
	return ev, nil
}

// AggregateTypes returns the aggregate_type of every registered event type, distinct and sorted:
// the choices of the event log's aggregate filter.
func AggregateTypes() []string {
	seen := map[string]bool{}
	var out []string
	for _, ev := range Catalog {
		if t := ev.AggregateType(); !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}
