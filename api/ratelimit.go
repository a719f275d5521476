package api

import (
	"math"
	"sync"
	"time"
)

// limiter is a token bucket per credential. A nil *limiter, or one with no
// rate, lets everything through.
type limiter struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the limiter's memory: past it, full buckets (keys idle
// long enough to have refilled) are forgotten.
const maxBuckets = 10000

func newLimiter(c RateLimit, now func() time.Time) *limiter {
	if c.PerSecond <= 0 {
		return nil
	}
	burst := float64(c.Burst)
	if burst < 1 {
		burst = math.Max(1, math.Ceil(c.PerSecond))
	}
	return &limiter{rate: c.PerSecond, burst: burst, now: now, buckets: map[string]*bucket{}}
}

// take spends a token of key's bucket. It returns 0 when allowed, else the
// whole seconds to wait before the next token.
func (l *limiter) take(key string) int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.forgetFull(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return int(math.Ceil((1 - b.tokens) / l.rate))
}

func (l *limiter) forgetFull(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}
