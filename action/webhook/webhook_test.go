package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowgate/flowgate/action"
	"github.com/flowgate/flowgate/action/webhook"
	"github.com/flowgate/flowgate/flowtype"
)

func request(params string) *action.Request {
	return &action.Request{
		TenantID: "acme", RunID: "run1", RunKey: "i1:2:a1", Attempt: 1, Handler: "webhook", Tier: flowtype.TierDatabase,
		Parameters: json.RawMessage(params),
		Event:      &flowtype.Event{InstanceID: "i1", Seq: 2, Type: flowtype.EventAfterApprove, Actor: "r1"},
		Instance:   &flowtype.Instance{ID: "i1", Status: flowtype.StatusInProgress},
	}
}

func TestPostSignedAndRedirects(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer other.Close()
	var body []byte
	var header http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/hook", http.StatusTemporaryRedirect)
		case "/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
		case "/gone":
			http.Error(w, "no", http.StatusGone)
		case "/busy":
			http.Error(w, "later", http.StatusTooManyRequests)
		default:
			body, _ = io.ReadAll(r.Body)
			header = r.Header.Clone()
			w.WriteHeader(http.StatusOK)
		}
	}))
	defer srv.Close()
	now := time.Unix(1_700_000_000, 0)
	h := webhook.New(webhook.Config{DefaultSecret: "s", Secrets: map[string]string{"crm": "c"}, Now: func() time.Time { return now }})
	ctx := context.Background()

	req := request(`{"url": "` + srv.URL + `/moved", "headers": {"X-Team": "finance"}, "payload": {"po": 7}}`)
	if err := h(ctx, req); err != nil {
		t.Fatal(err)
	}
	if err := webhook.Verify("s", header, body, time.Minute, now); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if header.Get("Idempotency-Key") != "i1:2:a1" || header.Get("X-Team") != "finance" || header.Get(webhook.HeaderEvent) != "after_approve" {
		t.Fatalf("headers %v", header)
	}
	var b webhook.Body
	if err := json.Unmarshal(body, &b); err != nil || b.RunKey != "i1:2:a1" || string(b.Payload) != `{"po":7}` || b.Event.Seq != 2 {
		t.Fatalf("body %s (%v)", body, err)
	}
	if got, _ := json.Marshal(req.Result()); string(got) != `{"status":200}` {
		t.Fatalf("result %s", got)
	}
	if webhook.Verify("s", header, append(body, ' '), time.Minute, now) == nil {
		t.Fatal("a changed body must not verify")
	}
	if webhook.Verify("s", header, body, time.Minute, now.Add(2*time.Minute)) == nil {
		t.Fatal("an old timestamp must not verify")
	}
	if webhook.Verify("other", header, body, 0, now) == nil {
		t.Fatal("another secret must not verify")
	}

	err := h(ctx, request(`{"url": "`+srv.URL+`/away"}`))
	if err == nil || !strings.Contains(err.Error(), "another host") || hits.Load() != 0 {
		t.Fatalf("redirect to another host: %v (hits %d)", err, hits.Load())
	}
	if err := h(ctx, request(`{"url": "`+srv.URL+`/gone"}`)); !action.IsPermanent(err) {
		t.Fatalf("410 must be permanent: %v", err)
	}
	if err := h(ctx, request(`{"url": "`+srv.URL+`/busy"}`)); err == nil || action.IsPermanent(err) {
		t.Fatalf("429 must be retried: %v", err)
	}
	for _, p := range []string{`{"url": "ftp://x"}`, `{}`, `{"url": "` + srv.URL + `", "secret": "nope"}`, `{"url": 3}`} {
		if err := h(ctx, request(p)); !action.IsPermanent(err) {
			t.Fatalf("%s: want a permanent error, got %v", p, err)
		}
	}
	if err := webhook.New(webhook.Config{})(ctx, request(`{"url": "`+srv.URL+`"}`)); !action.IsPermanent(err) {
		t.Fatalf("no secret at all: %v", err)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	h := webhook.New(webhook.Config{DefaultSecret: "s", Timeout: 50 * time.Millisecond})
	err := h(context.Background(), request(`{"url": "`+srv.URL+`"}`))
	if err == nil || action.IsPermanent(err) {
		t.Fatalf("a timeout must be retried: %v", err)
	}
}
