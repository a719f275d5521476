package outbox

import (
	"errors"
	"math/rand/v2"
	"time"
)

// Backoff is the default delay before the attempt after attempt n (n ≥ 1):
// 5 s doubled per attempt, capped at 1 h, with "equal jitter" (a random
// point in the upper half), so that runs failing together do not retry
// together.
func Backoff(attempt int) time.Duration {
	return Exponential(5*time.Second, time.Hour)(attempt)
}

// Exponential returns a backoff of base·2^(n−1), capped at max, jittered
// in [d/2, d].
func Exponential(base, max time.Duration) func(attempt int) time.Duration {
	return func(attempt int) time.Duration {
		d := base
		for i := 1; i < attempt && d < max; i++ {
			d *= 2
		}
		d = min(d, max)
		half := d / 2
		if half <= 0 {
			return d
		}
		return half + rand.N(half+1)
	}
}

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() error   { return e.err }
func (e *permanentError) Permanent() bool { return true }

// Permanent wraps err so that the run is marked dead at once instead of
// retried. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, has a method
// Permanent() bool that returns true (Permanent's errors do; so do those
// of package action's Permanent).
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}
