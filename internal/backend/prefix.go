package backend

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// Prefixed namespaces a shared fiber.Storage, so sessions and rate limits can share one Redis
// database without their keys meeting. A nil storage stays nil (the middleware then uses memory).
func Prefixed(s fiber.Storage, prefix string) fiber.Storage {
	if s == nil {
		return nil
	}
	return prefixed{s, prefix}
}

type prefixed struct {
	fiber.Storage
	prefix string
}

func (p prefixed) Get(key string) ([]byte, error) { return p.Storage.Get(p.prefix + key) }
func (p prefixed) Set(key string, val []byte, exp time.Duration) error {
	return p.Storage.Set(p.prefix+key, val, exp)
}
func (p prefixed) Delete(key string) error { return p.Storage.Delete(p.prefix + key) }

// Reset is refused: it would flush the whole shared database, not just this prefix.
func (p prefixed) Reset() error { return nil }
