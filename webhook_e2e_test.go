package flowgate_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/action/webhook"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// waitFinal waits until the run is succeeded or dead.
func (r *actionRig) waitFinal(id string) *flowgate.ActionRun {
	r.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		_, next := r.sig.since()
		run := must(r.e.GetActionRun(r.f.ctx, acme, id))
		if run.Status == flowtype.RunSucceeded || run.Status == flowtype.RunDead {
			return run
		}
		select {
		case <-next:
		case <-deadline:
			r.t.Fatalf("run %s still %s after 30 s", id, run.Status)
		}
	}
}

// TestWebhookRetries posts to a real HTTP server that fails the first two
// deliveries: the third succeeds, every request's signature verifies, and
// the run record shows 3 attempts.
func TestWebhookRetries(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		const secret = "topsecret"
		type delivery struct {
			runKey  string
			attempt int
			err     error
		}
		var mu sync.Mutex
		var got []delivery
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var b webhook.Body
			_ = json.Unmarshal(body, &b)
			mu.Lock()
			got = append(got, delivery{runKey: r.Header.Get("Idempotency-Key"), attempt: b.Attempt,
				err: webhook.Verify(secret, r.Header, body, time.Minute, time.Now())})
			n := len(got)
			mu.Unlock()
			if n <= 2 {
				http.Error(w, "try later", http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(srv.Close)

		rig := f.withActions(flowgate.Config{
			Webhook: webhook.Config{Secrets: map[string]string{"crm": secret}},
			Workers: flowgate.WorkerConfig{Backoff: func(int) time.Duration { return time.Millisecond }},
		}, nil)
		f.createP("", onStage("IR", definition.Action{ActionType: "after_approve", Handler: "webhook", Order: 1, IsActive: true,
			Parameters: json.RawMessage(`{"url": "` + srv.URL + `/hook", "secret": "crm", "payload": {"crm_id": 7}}`)}))
		v := f.approve(f.attachP("P", "42"), "r1")

		var hook *flowgate.ActionRun
		for _, r := range rig.runs(v) {
			if r.Handler == "webhook" {
				hook = r
			}
		}
		run := rig.waitFinal(hook.ID)
		if run.Status != flowtype.RunSucceeded || run.Attempts != 3 || string(run.Result) != `{"status":204}` {
			t.Fatalf("webhook run: %s after %d attempts, result %s, error %q", run.Status, run.Attempts, run.Result, run.LastError)
		}
		if run.LastError == "" {
			t.Fatal("the failed attempts' error is not kept")
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 3 {
			t.Fatalf("%d deliveries, want 3", len(got))
		}
		for i, d := range got {
			if d.err != nil || d.runKey != run.RunKey || d.attempt != i+1 {
				t.Fatalf("delivery %d: key %q attempt %d signature %v", i+1, d.runKey, d.attempt, d.err)
			}
		}
	})
}
