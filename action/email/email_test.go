package email_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/action"
	"github.com/flowgate/flowgate/action/email"
	"github.com/flowgate/flowgate/flowtype"
)

// services is a directory of users for the handler.
type services struct{ users map[string]*flowtype.User }

func (s *services) User(_ context.Context, id string) (*flowtype.User, error) {
	if u, ok := s.users[id]; ok {
		return u, nil
	}
	return nil, flowtype.NotFound("user", id)
}
func (s *services) CurrentApprovers(context.Context) ([]string, error) { return []string{"r2"}, nil }
func (s *services) NextApprovers(context.Context) ([]string, error)    { return []string{"mgr"}, nil }
func (s *services) SetSubjectStatus(context.Context, string, string) error {
	return errors.New("not here")
}
func (s *services) SetSubjectData(context.Context, string, json.RawMessage) error {
	return errors.New("not here")
}

func request(params string) *action.Request {
	return &action.Request{
		TenantID: "acme", RunID: "run1", RunKey: "i1:2:default.0", Attempt: 1, Handler: "email", Tier: flowtype.TierDefault,
		Parameters: json.RawMessage(params),
		Event:      &flowtype.Event{InstanceID: "i1", Seq: 2, Type: flowtype.EventAfterApprove, Actor: "r1"},
		Instance:   &flowtype.Instance{ID: "i1", SubjectType: "po", SubjectID: "42", StartedBy: "req", Status: flowtype.StatusInProgress},
		Subject:    &flowtype.Subject{Type: "po", ID: "42", CreatedBy: "u7"},
		Context: action.EventContext{Workflow: &action.Node{ID: "P", Name: map[string]string{"en": "Purchase", "ar": "شراء"}},
			Stage: &action.Node{ID: "IR", Name: map[string]string{"en": "Initial Review"}}},
		Services: &services{users: map[string]*flowtype.User{
			"req": {ID: "req", Email: "req@x.test", IsActive: true},
			"u7":  {ID: "u7", Email: "u7@x.test", Locale: "ar", IsActive: true},
			"r2":  {ID: "r2", IsActive: true},
			"mgr": {ID: "mgr", Email: "mgr@x.test", IsActive: true},
		}},
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	var sent []*email.Message
	h := email.New(email.Config{From: "noreply@x.test", Send: func(_ context.Context, m *email.Message) error {
		sent = append(sent, m)
		return nil
	}})
	req := request(`{"recipients": ["creator", "current_approver", "next_approvers", "u7@X.TEST", "workflow_starter"],
		"subject": {"en": "Done", "ar": "تم"}}`)
	if err := h(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range sent {
		got = append(got, m.To+" "+m.Lang+" "+m.Subject+" "+m.Template)
	}
	if strings.Join(got, "|") != "u7@x.test ar تم workflow_approved|mgr@x.test en Done workflow_approved|req@x.test en Done workflow_approved" {
		t.Fatalf("sent %v", got)
	}
	res, _ := json.Marshal(req.Result())
	if !strings.Contains(string(res), `"sent":3`) || !strings.Contains(string(res), `{"user_id":"r2","reason":"no_address"}`) {
		t.Fatalf("result %s", res)
	}
	first := sent[0].MessageID
	sent = nil
	if err := h(context.Background(), request(`{"recipients": ["creator"]}`)); err != nil || sent[0].MessageID != first {
		t.Fatalf("a retry must reuse the Message-ID: %v %v", err, sent)
	}
	if !strings.HasSuffix(first, "@flowgate") || strings.ContainsAny(first, "<> :") {
		t.Fatalf("message id %q", first)
	}
}

func TestHandlerFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if err := email.New(email.Config{})(ctx, request(`{}`)); !action.IsPermanent(err) {
		t.Fatalf("no transport: %v", err)
	}
	if err := email.New(email.Config{Send: func(context.Context, *email.Message) error { return nil }})(ctx,
		request(`{"template": "nope"}`)); !action.IsPermanent(err) {
		t.Fatalf("unknown template: %v", err)
	}
	boom := email.New(email.Config{Send: func(context.Context, *email.Message) error { return errors.New("smtp down") }})
	if err := boom(ctx, request(`{}`)); err == nil || action.IsPermanent(err) {
		t.Fatalf("a send failure must be retried: %v", err)
	}
	req := request(`{}`)
	if err := email.New(email.Config{Disabled: true})(ctx, req); err != nil {
		t.Fatalf("disabled: %v", err)
	}
	if res, _ := json.Marshal(req.Result()); !strings.Contains(string(res), `"disabled":true`) {
		t.Fatalf("disabled result %s", res)
	}
	if err := email.New(email.Config{Send: func(context.Context, *email.Message) error { return nil }})(ctx,
		request(`{"recipients": "creator"}`)); !action.IsPermanent(err) {
		t.Fatalf("malformed parameters: %v", err)
	}
}
