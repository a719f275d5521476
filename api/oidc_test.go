package api_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/client"
	"github.com/flowgate/flowgate/internal/dbtest"
)

// issuer is an OIDC provider on a loopback port: discovery and keys.
type issuer struct {
	srv    *httptest.Server
	signer jose.Signer
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	iss := &issuer{signer: signer}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": iss.srv.URL, "jwks_uri": iss.srv.URL + "/keys", "authorization_endpoint": iss.srv.URL + "/auth",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	iss.srv = httptest.NewServer(mux)
	t.Cleanup(iss.srv.Close)
	return iss
}

func (iss *issuer) token(t *testing.T, claims map[string]any) string {
	t.Helper()
	base := map[string]any{"iss": iss.srv.URL, "aud": "flowgate", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range claims {
		base[k] = v
	}
	payload, _ := json.Marshal(base)
	jws, err := iss.signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOIDCBearer maps ID tokens to users by subject, else by verified
// e-mail; tokens of another audience, expired or naming nobody are 401.
func TestOIDCBearer(t *testing.T) {
	t.Parallel()
	iss := newIssuer(t)
	sm := newSmall(t, dbtest.Open(t, dbtest.SQLite), "acme", &api.Config{
		OIDC: api.OIDCConfig{Issuer: iss.srv.URL, Audience: "flowgate", TenantID: "acme"},
	})
	ctx := t.Context()
	base := sm.ev.srv.URL

	bySubject := client.New(base, iss.token(t, map[string]any{"sub": "req"}))
	in, err := bySubject.Attach(ctx, &api.AttachRequest{WorkflowID: api.FlexID(sm.wfID), Subject: api.AttachSubject{Type: "t", ID: "1"}}, nil)
	requireOK(t, err, "attach with a token naming req")
	if in.StartedBy != "req" {
		t.Fatalf("started_by %q", in.StartedBy)
	}
	byEmail := client.New(base, iss.token(t, map[string]any{"sub": "ext-7", "email": "U2@ACME.example", "email_verified": true}))
	out, err := byEmail.Decide(ctx, in.ID, &api.DecisionRequest{Action: "approved"}, nil)
	requireOK(t, err, "approve with a token mapped by e-mail")
	if str(out.Tasks[1].ActedBy) != "u2" {
		t.Fatalf("acted_by %s", str(out.Tasks[1].ActedBy))
	}
	_, err = byEmail.CreateWorkflow(ctx, json.RawMessage(smallWorkflow))
	requireProblem(t, err, http.StatusForbidden, "forbidden", "admin_required")

	for name, tok := range map[string]string{
		"other audience": iss.token(t, map[string]any{"sub": "req", "aud": "other"}),
		"expired":        iss.token(t, map[string]any{"sub": "req", "exp": time.Now().Add(-time.Hour).Unix()}),
		"nobody":         iss.token(t, map[string]any{"sub": "ext-8", "email": "nobody@acme.example"}),
		"unverified":     iss.token(t, map[string]any{"sub": "ext-9", "email": "u2@acme.example", "email_verified": false}),
	} {
		_, err := client.New(base, tok).Inbox(ctx, nil)
		if p := client.ProblemOf(err); p == nil || p.Status != http.StatusUnauthorized {
			t.Fatalf("%s: got %v, want 401", name, err)
		}
	}
	// API keys keep working next to OIDC.
	if _, err := sm.users["u1"].Inbox(ctx, nil); err != nil {
		t.Fatalf("API key with OIDC on: %v", err)
	}
}
