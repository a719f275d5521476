package metrics_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/metrics"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// TestStoreCollector reads the gauges of an empty database, then of a
// closed one: the gauges go, flowgate_store_gauges_up says why.
func TestStoreCollector(t *testing.T) {
	t.Parallel()
	// Not dbtest.Open: the test closes the store itself.
	s, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "flowgate.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := metrics.NewStoreCollector(s, nil)
	want := strings.TrimSpace(`
flowgate_action_runs_due{} 0
flowgate_action_runs{status=failed} 0
flowgate_action_runs{status=pending} 0
flowgate_action_runs{status=running} 0
flowgate_active_instances{status=awaiting_resubmission} 0
flowgate_active_instances{status=in_progress} 0
flowgate_active_instances{status=not_started} 0
flowgate_open_tasks{status=current} 0
flowgate_open_tasks{status=pending} 0
flowgate_store_gauges_up{} 1`)
	if got := samples(t, c); got != want {
		t.Fatalf("samples:\n%s\nwant:\n%s", got, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := samples(t, c); got != "flowgate_store_gauges_up{} 0" {
		t.Fatalf("samples of a closed store:\n%s", got)
	}
}
