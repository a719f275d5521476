package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchJSON runs every scenario of flowgate bench at a tiny size and
// checks that each line is a JSON object with the keys the issue lists.
func TestBenchJSON(t *testing.T) {
	t.Parallel()
	code, out, errs := run(t, "bench", "--scenario", "all", "--json", "--quiet", "--sync", "NORMAL", "--dir", t.TempDir(),
		"--clients", "2", "--instances", "10", "--consensus-instances", "3", "--inbox-tasks", "2000",
		"--inbox-samples", "20", "--cleanup-instances", "100")
	if code != 0 {
		t.Fatalf("bench: exit %d: %s", code, errs)
	}
	keys := []string{"scenario", "db", "sync", "mode", "clients", "instances", "starts_per_sec", "decisions_per_sec",
		"p50_ms", "p99_ms", "p999_ms", "bytes_per_instance", "allocs_per_decision", "peak_rss_mb",
		"ideal_decisions_per_sec", "ratio"}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q is not a JSON object: %v", line, err)
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("line %q has no key %q", line, k)
			}
		}
		if r, _ := m["ratio"].(float64); r <= 0 {
			t.Errorf("line %q has no ratio", line)
		}
		seen[m["scenario"].(string)] = true
	}
	for _, s := range []string{"purchase-4", "consensus", "inbox", "cleanup", "ideal"} {
		if !seen[s] {
			t.Errorf("no line for scenario %s in:\n%s", s, out)
		}
	}
}
