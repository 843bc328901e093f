package testkit

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/rustok/rustok-admin/models"
)

// Statements counts the SQL statements a store sends while counting is on. It hooks GORM's
// callbacks, which every query of the app goes through (models.Store, the Casbin adapter and
// the relay all use the one *gorm.DB), so nothing reaches the database uncounted.
type Statements struct {
	mu   sync.Mutex
	on   bool
	sqls []string
}

// CountStatements registers the counter on the store's callbacks; counting starts with Start.
func CountStatements(t testing.TB, store *models.Store) *Statements {
	t.Helper()
	s := &Statements{}
	cb := store.DB().Callback()
	record := func(db *gorm.DB) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.on && !db.DryRun { // a dry run builds a subquery's SQL: nothing is sent
			s.sqls = append(s.sqls, db.Statement.SQL.String())
		}
	}
	name := "testkit:count-statements-" + randomName()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register(name, record),
		cb.Row().After("gorm:row").Register(name, record),
		cb.Raw().After("gorm:raw").Register(name, record),
		cb.Create().After("gorm:create").Register(name, record),
		cb.Update().After("gorm:update").Register(name, record),
		cb.Delete().After("gorm:delete").Register(name, record),
	} {
		if err != nil {
			t.Fatalf("testkit: count statements: %v", err)
		}
	}
	return s
}

// Start forgets what was counted and counts from now on.
func (s *Statements) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.on, s.sqls = true, nil
}

// Stop ends counting and returns the statements sent since Start.
func (s *Statements) Stop() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.on = false
	return s.sqls
}

// Commands is a fiber.Storage that counts the commands sent through it while counting is on:
// with Redis underneath, each call is one round trip.
type Commands struct {
	fiber.Storage
	mu   sync.Mutex
	on   bool
	cmds []string
}

// CountCommands wraps s.
func CountCommands(s fiber.Storage) *Commands { return &Commands{Storage: s} }

func (c *Commands) note(cmd, key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.on {
		c.cmds = append(c.cmds, cmd+" "+key)
	}
}

// Start forgets what was counted and counts from now on.
func (c *Commands) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on, c.cmds = true, nil
}

// Stop ends counting and returns the commands sent since Start ("GET key", "SET key", …).
func (c *Commands) Stop() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	return c.cmds
}

// Writes returns the commands among cmds that change the store.
func Writes(cmds []string) []string {
	var out []string
	for _, c := range cmds {
		if !strings.HasPrefix(c, "GET ") {
			out = append(out, c)
		}
	}
	return out
}

func (c *Commands) Get(key string) ([]byte, error) {
	c.note("GET", key)
	return c.Storage.Get(key)
}

func (c *Commands) Set(key string, val []byte, exp time.Duration) error {
	c.note("SET", key)
	return c.Storage.Set(key, val, exp)
}

func (c *Commands) Delete(key string) error {
	c.note("DEL", key)
	return c.Storage.Delete(key)
}

func (c *Commands) Reset() error {
	c.note("FLUSH", "*")
	return c.Storage.Reset()
}
