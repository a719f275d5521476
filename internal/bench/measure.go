package bench

import (
	"bufio"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// latencies collects operation durations from many goroutines.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

// add merges one client's durations.
func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

// percentile returns the nearest-rank percentile p (0–100) in
// milliseconds; 0 without samples.
func (l *latencies) percentile(p float64) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.all) == 0 {
		return 0
	}
	if !slices.IsSorted(l.all) {
		slices.Sort(l.all)
	}
	i := int(float64(len(l.all))*p/100+0.5) - 1
	i = min(max(i, 0), len(l.all)-1)
	return float64(l.all[i]) / float64(time.Millisecond)
}

func (l *latencies) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.all)
}

// fill sets the result's percentiles.
func (l *latencies) fill(r *Result) {
	r.P50ms, r.P99ms, r.P999ms = l.percentile(50), l.percentile(99), l.percentile(99.9)
}

// allocCounter counts the process's heap allocations over a phase.
type allocCounter struct{ start uint64 }

func startAllocs() allocCounter {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return allocCounter{start: m.Mallocs}
}

// per returns the allocations since start divided by n.
func (a allocCounter) per(n int) float64 {
	if n == 0 {
		return 0
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.Mallocs-a.start) / float64(n)
}

// resetPeakRSS makes the peak resident set size start from the current
// one (Linux: /proc/self/clear_refs), so each scenario reports its own.
// Elsewhere the peak is the process's.
func resetPeakRSS() {
	runtime.GC()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSSMB returns the peak resident set size in MiB since the last
// resetPeakRSS (Linux's VmHWM); 0 where /proc is missing.
func peakRSSMB() float64 {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
				if err == nil {
					return kb / 1024
				}
			}
		}
	}
	return 0
}

// rate is n per second over d.
func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// split deals n items to k clients round robin: client c gets items
// c, c+k, c+2k…
func split(n, k int) [][]int {
	out := make([][]int, k)
	for i := range n {
		out[i%k] = append(out[i%k], i)
	}
	return out
}

// parallel runs fn for each client and returns the first error.
func parallel(k int, fn func(c int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, k)
	for c := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[c] = fn(c)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
