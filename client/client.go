// Package client is a Go client of Flowgate's HTTP API (package api),
// written from the API's own request and response types.
//
//	c := client.New("http://127.0.0.1:8080", os.Getenv("FLOWGATE_KEY"))
//	inst, err := c.Attach(ctx, &api.AttachRequest{…}, nil)
//
// Every refusal is an *api.Problem (errors.As), with the HTTP status, the
// class (Code) and the engine's specific refusal (Refusal).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/flowgate/flowgate/api"
)

// Client calls one Flowgate server with one credential. It is safe for
// concurrent use.
type Client struct {
	base  string
	key   string
	as    string
	httpc *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default http.DefaultClient).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.httpc = h } }

// ActingAs makes an act_as key act for userID (Flowgate-Acting-User).
func ActingAs(userID string) Option { return func(c *Client) { c.as = userID } }

// New returns a client of the server at baseURL ("http://host:port") using
// an API key (or OIDC token).
func New(baseURL, key string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), key: key, httpc: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c
}

// As returns a copy of the client acting for another user.
func (c *Client) As(userID string) *Client {
	cp := *c
	cp.as = userID
	return &cp
}

// Response is a raw answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request with a raw body (nil for none) and returns the raw
// answer, whatever its status. Errors are transport errors only.
func (c *Client) Do(ctx context.Context, method, path string, body []byte, header http.Header) (*Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if c.as != "" {
		req.Header.Set(api.ActingUserHeader, c.as)
	}
	resp, err := c.httpc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// call sends in (marshaled to JSON when not nil; []byte and
// json.RawMessage are sent as they are) and decodes a 2xx answer into out.
// Another status is an *api.Problem.
func (c *Client) call(ctx context.Context, method, path string, in, out any, header http.Header) (*Response, error) {
	var body []byte
	switch v := in.(type) {
	case nil:
	case []byte:
		body = v
	case json.RawMessage:
		body = v
	default:
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = b
	}
	resp, err := c.Do(ctx, method, path, body, header)
	if err != nil {
		return nil, err
	}
	if resp.Status < 200 || resp.Status > 299 {
		p := &api.Problem{}
		if err := json.Unmarshal(resp.Body, p); err != nil || p.Status == 0 {
			return resp, fmt.Errorf("client: %s %s: HTTP %d: %s", method, path, resp.Status, bytes.TrimSpace(resp.Body))
		}
		return resp, p
	}
	if out != nil && len(resp.Body) > 0 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, fmt.Errorf("client: %s %s: decode answer: %w", method, path, err)
		}
	}
	return resp, nil
}

// ProblemOf returns the problem an error carries, or nil.
func ProblemOf(err error) *api.Problem {
	var p *api.Problem
	if errors.As(err, &p) {
		return p
	}
	return nil
}

// ListOpts pages a list and filters it (Query holds the list's filters).
type ListOpts struct {
	Limit  int
	Cursor string
	Query  url.Values
}

func (o *ListOpts) encode() string {
	q := url.Values{}
	if o != nil {
		for k, v := range o.Query {
			q[k] = v
		}
		if o.Limit > 0 {
			q.Set("limit", strconv.Itoa(o.Limit))
		}
		if o.Cursor != "" {
			q.Set("cursor", o.Cursor)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func esc(s string) string { return url.PathEscape(s) }
