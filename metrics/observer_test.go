package metrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/metrics"
)

// TestObserver counts commands by kind, action and outcome, times them,
// and counts action run attempts by status.
func TestObserver(t *testing.T) {
	t.Parallel()
	o := metrics.NewObserver()
	ctx := context.Background()
	commands := []struct {
		c   flowgate.Command
		d   time.Duration
		err error
	}{
		{flowgate.Command{Kind: flowgate.CommandDecide, Action: flowgate.ActionApprove}, 2 * time.Millisecond, nil},
		{flowgate.Command{Kind: flowgate.CommandDecide, Action: flowgate.ActionApprove}, 3 * time.Second, nil},
		{flowgate.Command{Kind: flowgate.CommandDecide, Action: flowgate.ActionSendBack}, time.Millisecond,
			flowtype.Refuse(flowtype.CodeConflict, "")},
		{flowgate.Command{Kind: flowgate.CommandAttach}, time.Millisecond, errors.New("database is down")},
	}
	for _, c := range commands {
		ctx := o.CommandStarted(ctx, &c.c)
		o.CommandEnded(ctx, &c.c, c.d, c.err)
	}
	o.ActionRunRecorded("acme", "r1", flowtype.RunDead)
	want := strings.TrimSpace(`
flowgate_action_run_attempts_total{status=dead} 1
flowgate_action_run_attempts_total{status=failed} 0
flowgate_action_run_attempts_total{status=succeeded} 0
flowgate_command_duration_seconds{command=attach} 1
flowgate_command_duration_seconds{command=start} 0
flowgate_commands_total{command=attach,outcome=error} 1
flowgate_commands_total{command=attach,outcome=ok} 0
flowgate_commands_total{command=start,outcome=ok} 0
flowgate_decision_duration_seconds{action=approve} 2
flowgate_decision_duration_seconds{action=delegate} 0
flowgate_decision_duration_seconds{action=reject} 0
flowgate_decision_duration_seconds{action=resubmit} 0
flowgate_decision_duration_seconds{action=send_back} 1
flowgate_decision_duration_seconds{action=withdraw} 0
flowgate_decisions_total{action=approve,outcome=ok} 2
flowgate_decisions_total{action=delegate,outcome=ok} 0
flowgate_decisions_total{action=reject,outcome=ok} 0
flowgate_decisions_total{action=resubmit,outcome=ok} 0
flowgate_decisions_total{action=send_back,outcome=conflict} 1
flowgate_decisions_total{action=send_back,outcome=ok} 0
flowgate_decisions_total{action=withdraw,outcome=ok} 0`)
	if got := samples(t, o); got != want {
		t.Fatalf("samples:\n%s\nwant:\n%s", got, want)
	}
}
