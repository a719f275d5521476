// Package webhook is the built-in "webhook" action handler: it POSTs the
// event as JSON to a URL, signed with HMAC-SHA256.
//
// Parameters:
//
//	{"url": "https://hooks.example.com/flowgate",   // required, http or https
//	 "secret": "crm",                               // a key of Config.Secrets (default: Config.DefaultSecret)
//	 "headers": {"X-Team": "finance"},              // extra request headers
//	 "payload": {…}}                                // copied into the body as "payload"
//
// Every request carries
//
//	X-Flowgate-Timestamp: <unix seconds>
//	X-Flowgate-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the secret>
//	X-Flowgate-Run-Key / Idempotency-Key: <run key>   (the same on every attempt)
//
// and receivers check them with Verify. A 2xx answer is a success; 408,
// 425, 429 and 5xx answers and network errors are retried with backoff;
// other answers are permanent failures. Redirects are followed only to the
// same host (at most 5), never from https to http.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/flowgate/flowgate/action"
	"github.com/flowgate/flowgate/flowtype"
)

// Name is the handler's registered name.
const Name = "webhook"

// Header names.
const (
	HeaderTimestamp = "X-Flowgate-Timestamp"
	HeaderSignature = "X-Flowgate-Signature"
	HeaderRunKey    = "X-Flowgate-Run-Key"
	HeaderEvent     = "X-Flowgate-Event"
)

// Config configures the handler.
type Config struct {
	// Secrets are the signing secrets actions may name; they live in the
	// configuration, never in the database.
	Secrets map[string]string
	// DefaultSecret signs requests of actions that name no secret.
	DefaultSecret string
	// Timeout bounds one request. Defaults to 10 seconds.
	Timeout time.Duration
	// Transport sends the requests. Defaults to http.DefaultTransport.
	Transport http.RoundTripper
	// Now is the clock of the timestamp header. Defaults to time.Now.
	Now func() time.Time
}

// Params are a webhook action's parameters.
type Params struct {
	URL     string            `json:"url"`
	Secret  string            `json:"secret"`
	Headers map[string]string `json:"headers"`
	Payload json.RawMessage   `json:"payload"`
}

// Body is the JSON document posted.
type Body struct {
	RunKey   string              `json:"run_key"`
	RunID    string              `json:"run_id"`
	Attempt  int                 `json:"attempt"`
	TenantID string              `json:"tenant_id"`
	Tier     flowtype.Tier       `json:"tier"`
	Level    flowtype.Level      `json:"level,omitempty"`
	ActionID string              `json:"action_id,omitempty"`
	Event    *flowtype.Event     `json:"event"`
	Instance *flowtype.Instance  `json:"instance"`
	Subject  *flowtype.Subject   `json:"subject,omitempty"`
	Context  action.EventContext `json:"context"`
	Payload  json.RawMessage     `json:"payload,omitempty"`
}

// Result is what a run records.
type Result struct {
	Status int `json:"status"`
}

// New returns the handler.
func New(cfg Config) action.Handler {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	transport := cfg.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	client := &http.Client{Transport: transport, Timeout: cfg.Timeout, CheckRedirect: sameHost}
	return func(ctx context.Context, req *action.Request) error {
		return post(ctx, client, &cfg, req)
	}
}

// sameHost follows at most 5 redirects, each to the first request's host
// and never from https to http.
func sameHost(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("webhook: too many redirects")
	}
	first := via[0].URL
	if !strings.EqualFold(req.URL.Host, first.Host) {
		return fmt.Errorf("webhook: redirect to another host (%s) refused", req.URL.Host)
	}
	if first.Scheme == "https" && req.URL.Scheme != "https" {
		return errors.New("webhook: redirect from https to http refused")
	}
	return nil
}

func post(ctx context.Context, client *http.Client, cfg *Config, req *action.Request) error {
	var p Params
	if err := req.Params(&p); err != nil {
		return err
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return action.Permanent(fmt.Errorf("webhook: url %q must be an absolute http or https URL", p.URL))
	}
	secret := cfg.DefaultSecret
	if p.Secret != "" {
		s, ok := cfg.Secrets[p.Secret]
		if !ok {
			return action.Permanent(fmt.Errorf("webhook: no secret named %q is configured", p.Secret))
		}
		secret = s
	}
	if secret == "" {
		return action.Permanent(errors.New("webhook: no signing secret (set Config.Webhook.DefaultSecret or name one)"))
	}
	body, err := json.Marshal(&Body{
		RunKey: req.RunKey, RunID: req.RunID, Attempt: req.Attempt, TenantID: req.TenantID, Tier: req.Tier,
		Level: req.Level, ActionID: req.ActionID, Event: req.Event, Instance: req.Instance, Subject: req.Subject,
		Context: req.Context, Payload: p.Payload,
	})
	if err != nil {
		return action.Permanent(fmt.Errorf("webhook: encode body: %w", err))
	}
	ts := strconv.FormatInt(cfg.Now().Unix(), 10)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return action.Permanent(fmt.Errorf("webhook: %w", err))
	}
	for k, v := range p.Headers {
		hreq.Header.Set(k, v)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("User-Agent", "Flowgate-Webhook/1")
	hreq.Header.Set(HeaderTimestamp, ts)
	hreq.Header.Set(HeaderSignature, Sign(secret, ts, body))
	hreq.Header.Set(HeaderRunKey, req.RunKey)
	hreq.Header.Set("Idempotency-Key", req.RunKey)
	hreq.Header.Set(HeaderEvent, string(req.Event.Type))
	resp, err := client.Do(hreq)
	if err != nil {
		return fmt.Errorf("webhook: post to %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		req.SetResult(&Result{Status: code})
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooEarly || code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("webhook: %s answered %d", u.Host, code)
	default:
		return action.Permanent(fmt.Errorf("webhook: %s answered %d", u.Host, code))
	}
}

// Sign returns the signature header value for a timestamp and a body.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a received request's signature and that its timestamp is
// within maxAge of now (0 skips the age check). body is the raw request
// body.
func Verify(secret string, h http.Header, body []byte, maxAge time.Duration, now time.Time) error {
	ts := h.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("webhook: missing or malformed timestamp")
	}
	if maxAge > 0 {
		if d := now.Sub(time.Unix(sec, 0)); d > maxAge || d < -maxAge {
			return errors.New("webhook: timestamp outside the allowed window")
		}
	}
	want := Sign(secret, ts, body)
	if subtle.ConstantTimeCompare([]byte(want), []byte(h.Get(HeaderSignature))) != 1 {
		return errors.New("webhook: signature mismatch")
	}
	return nil
}
