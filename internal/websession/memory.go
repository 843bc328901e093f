package websession

import (
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jellydator/ttlcache/v3"
)

// Memory is a fiber.Storage in process memory, for sessions on the embedded default (no Redis):
// entries expire after their TTL, which a read does not extend, and expired ones are swept at
// most once a minute, from a write, so no goroutine is needed.
func Memory() fiber.Storage {
	return &memory{c: ttlcache.New(ttlcache.WithDisableTouchOnHit[string, []byte]())}
}

type memory struct {
	c     *ttlcache.Cache[string, []byte]
	swept atomic.Int64 // unix seconds of the last sweep
}

const sweepEvery = time.Minute

func (m *memory) Get(key string) ([]byte, error) {
	if it := m.c.Get(key); it != nil {
		return it.Value(), nil
	}
	return nil, nil
}

func (m *memory) Set(key string, val []byte, exp time.Duration) error {
	if now, last := time.Now().Unix(), m.swept.Load(); now-last >= int64(sweepEvery/time.Second) && m.swept.CompareAndSwap(last, now) {
		m.c.DeleteExpired()
	}
	if exp <= 0 {
		exp = ttlcache.NoTTL
	}
	m.c.Set(key, append([]byte(nil), val...), exp)
	return nil
}

func (m *memory) Delete(key string) error { m.c.Delete(key); return nil }
func (m *memory) Reset() error            { m.c.DeleteAll(); return nil }
func (m *memory) Close() error            { return nil }
