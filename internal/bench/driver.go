package bench

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/client"
	"github.com/flowgate/flowgate/flowtype"
)

// state is what a client needs to take an instance's next step.
type state struct {
	id      string
	status  string
	stage   string   // English name of the current stage
	holders []string // assignees of the current tasks
}

func (s *state) done() bool { return s.status != string(flowtype.StatusInProgress) }

// driver issues commands: in process (library) or over HTTP.
type driver interface {
	attach(ctx context.Context, workflowID, subjectID string, data json.RawMessage) (*state, error)
	approve(ctx context.Context, instanceID, actor string, form json.RawMessage) (*state, error)
	get(ctx context.Context, instanceID string) (*state, error)
	close()
}

// libDriver calls the engine.
type libDriver struct{ e *flowgate.Engine }

func stateOfView(v *flowgate.InstanceView) *state {
	s := &state{id: v.Instance.ID, status: string(v.Instance.Status)}
	if v.CurrentStage != nil {
		s.stage = v.CurrentStage.Name.Default()
	}
	for _, t := range v.CurrentTasks() {
		s.holders = append(s.holders, t.Assignee)
	}
	return s
}

func (d libDriver) attach(ctx context.Context, workflowID, subjectID string, data json.RawMessage) (*state, error) {
	v, err := d.e.Attach(ctx, tenant, &flowgate.AttachParams{
		Actor: "500", WorkflowID: workflowID,
		Subject: flowgate.SubjectInput{Type: subjectType, ID: subjectID, Data: data,
			Status: map[string]string{"status": "submitted"}, CreatedBy: "500"},
	})
	if err != nil {
		return nil, err
	}
	return stateOfView(v), nil
}

func (d libDriver) approve(ctx context.Context, instanceID, actor string, form json.RawMessage) (*state, error) {
	v, err := d.e.Decide(ctx, tenant, instanceID, &flowgate.Decision{Action: flowgate.ActionApprove, Actor: actor, FormData: form})
	if err != nil {
		return nil, err
	}
	return stateOfView(v), nil
}

func (d libDriver) get(ctx context.Context, instanceID string) (*state, error) {
	v, err := d.e.GetInstance(ctx, tenant, instanceID)
	if err != nil {
		return nil, err
	}
	return stateOfView(v), nil
}

func (libDriver) close() {}

// httpDriver calls the HTTP API, served by the same code as flowgate
// serve (api.New) on a loopback port, with an act-as key so that one
// client acts for every approver.
type httpDriver struct {
	srv     *http.Server
	base    *client.Client
	mu      sync.Mutex
	clients map[string]*client.Client
}

func newHTTPDriver(ctx context.Context, e *flowgate.Engine) (*httpDriver, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := api.New(ctx, e, &api.Config{Logger: quiet})
	if err != nil {
		return nil, err
	}
	if _, err := e.SaveUser(ctx, tenant, &flowgate.User{ID: "bench-client", Name: "Bench client", IsActive: true}); err != nil {
		return nil, err
	}
	key, _, err := e.CreateAPIKey(ctx, tenant, &flowgate.APIKeyParams{UserID: "bench-client", Name: "bench", ActAs: true, CreatedBy: "bench"})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	hc := &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        128,
		MaxIdleConnsPerHost: 128,
		IdleConnTimeout:     90 * time.Second,
	}, Timeout: time.Minute}
	base := client.New("http://"+ln.Addr().String(), key, client.WithHTTPClient(hc))
	return &httpDriver{srv: srv, base: base, clients: map[string]*client.Client{}}, nil
}

func stateOfAPI(in *api.Instance) *state {
	s := &state{id: in.ID, status: in.Status}
	if in.CurrentStage != nil {
		s.stage = in.CurrentStage.NameEn
	}
	for _, t := range in.Tasks {
		if t.Status == "current" && t.Assignee != nil {
			s.holders = append(s.holders, *t.Assignee)
		}
	}
	return s
}

// as returns the client acting for user.
func (d *httpDriver) as(user string) *client.Client {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.clients[user]
	if !ok {
		c = d.base.As(user)
		d.clients[user] = c
	}
	return c
}

func (d *httpDriver) attach(ctx context.Context, workflowID, subjectID string, data json.RawMessage) (*state, error) {
	c := d.as("500")
	body, _ := json.Marshal(map[string]any{
		"workflow_id": workflowID,
		"subject": map[string]any{"type": subjectType, "id": subjectID, "data": data,
			"status": map[string]string{"status": "submitted"}, "created_by": "500"},
	})
	in, err := c.Attach(ctx, json.RawMessage(body), nil)
	if err != nil {
		return nil, err
	}
	return stateOfAPI(in), nil
}

func (d *httpDriver) approve(ctx context.Context, instanceID, actor string, form json.RawMessage) (*state, error) {
	c := d.as(actor)
	req := map[string]any{"action": "approved"}
	if len(form) > 0 {
		req["form_data"] = form
	}
	body, _ := json.Marshal(req)
	in, err := c.Decide(ctx, instanceID, json.RawMessage(body), nil)
	if err != nil {
		return nil, err
	}
	return stateOfAPI(in), nil
}

func (d *httpDriver) get(ctx context.Context, instanceID string) (*state, error) {
	in, err := d.base.GetInstance(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	return stateOfAPI(in), nil
}

// refused reports whether err is the API's refusal of a decision (a
// problem answer), as opposed to a failure.
func refusedHTTP(err error) bool { return client.ProblemOf(err) != nil }

func (d *httpDriver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = d.srv.Shutdown(ctx)
}
