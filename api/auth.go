package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/flowgate/flowgate"
)

// ActingUserHeader names the user an act_as key acts for.
const ActingUserHeader = "Flowgate-Acting-User"

// OIDCConfig accepts OIDC ID tokens as bearer tokens.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; empty turns OIDC off. The
	// provider's discovery document is read when the server starts.
	Issuer string
	// Audience is the client id tokens must be issued to.
	Audience string
	// TenantID is the tenant whose users the tokens map to: the user whose
	// id is the token's subject, else the one with the token's (verified)
	// e-mail address.
	TenantID string
}

// principal is who calls: the credential's tenant and user, and the user
// it acts as.
type principal struct {
	TenantID string
	// UserID is the acting user: the credential's own, or the one an
	// act_as key names.
	UserID string
	// CredentialUserID is the credential's own user.
	CredentialUserID string
	// KeyID identifies the credential for rate limiting ("oidc:<sub>" for
	// tokens).
	KeyID string
	Admin bool
	ActAs bool
}

type principalKey struct{}

func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	if p == nil {
		// Unreachable: authenticate guards every /api/ route. A principal
		// of no tenant sees nothing.
		return &principal{}
	}
	return p
}

type authenticator struct {
	e        *flowgate.Engine
	verifier *oidc.IDTokenVerifier
	oidc     OIDCConfig
}

func newAuthenticator(ctx context.Context, e *flowgate.Engine, c *OIDCConfig) (*authenticator, error) {
	a := &authenticator{e: e, oidc: *c}
	if c.Issuer == "" {
		return a, nil
	}
	if c.Audience == "" || c.TenantID == "" {
		return nil, errors.New("api: OIDC needs an audience and a tenant")
	}
	provider, err := oidc.NewProvider(ctx, c.Issuer)
	if err != nil {
		return nil, err
	}
	a.verifier = provider.Verifier(&oidc.Config{ClientID: c.Audience})
	return a, nil
}

// authenticate guards /api/: it resolves the bearer credential and the
// acting user, applies the rate limit, and puts the principal in the
// request's context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		p, prob := s.auth.principal(r)
		if prob == nil {
			if wait := s.limiter.take(p.KeyID); wait > 0 {
				prob = newProblem(http.StatusTooManyRequests, "rate_limited", "", "too many requests for this key; retry later")
				prob.retryAfter = wait
			}
		}
		if prob != nil {
			if prob.Status >= 500 {
				s.log.ErrorContext(r.Context(), "api: authentication failed", "err", prob.Detail)
				prob = internalProblem()
			}
			writeProblem(w, prob)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func (a *authenticator) principal(r *http.Request) (*principal, *Problem) {
	ctx := r.Context()
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, unauthorized("an Authorization: Bearer <api key> header is required")
	}
	var p *principal
	var prob *Problem
	if strings.HasPrefix(token, flowgate.APIKeyPrefix) || a.verifier == nil {
		p, prob = a.fromKey(ctx, token)
	} else {
		p, prob = a.fromToken(ctx, token)
	}
	if prob != nil {
		return nil, prob
	}
	if u, err := a.e.GetUser(ctx, p.TenantID, p.CredentialUserID); err != nil || !u.IsActive {
		if err != nil && !errors.Is(err, flowgate.ErrNotFound) {
			return nil, &Problem{Status: 500, Detail: err.Error()}
		}
		return nil, unauthorized("the credential's user is not an active user")
	}
	return a.acting(r, p)
}

func (a *authenticator) fromKey(ctx context.Context, token string) (*principal, *Problem) {
	k, err := a.e.AuthenticateAPIKey(ctx, token)
	if errors.Is(err, flowgate.ErrNotFound) {
		return nil, unauthorized("unknown or revoked API key")
	}
	if err != nil {
		return nil, &Problem{Status: 500, Detail: err.Error()}
	}
	return &principal{
		TenantID: k.TenantID, UserID: k.UserID, CredentialUserID: k.UserID,
		KeyID: "key:" + k.ID, Admin: k.Admin, ActAs: k.ActAs,
	}, nil
}

// fromToken verifies an OIDC ID token and maps it to a user: by subject
// (a user id), else by a verified e-mail address.
func (a *authenticator) fromToken(ctx context.Context, token string) (*principal, *Problem) {
	idt, err := a.verifier.Verify(ctx, token)
	if err != nil {
		return nil, unauthorized("invalid token")
	}
	tenant := a.oidc.TenantID
	userID := ""
	if _, err := a.e.GetUser(ctx, tenant, idt.Subject); err == nil {
		userID = idt.Subject
	} else {
		var claims struct {
			Email    string `json:"email"`
			Verified *bool  `json:"email_verified"`
		}
		if err := idt.Claims(&claims); err == nil && claims.Email != "" && (claims.Verified == nil || *claims.Verified) {
			if u, err := a.e.GetUserByEmail(ctx, tenant, claims.Email); err == nil {
				userID = u.ID
			}
		}
	}
	if userID == "" {
		return nil, unauthorized("the token names no user of this server")
	}
	return &principal{TenantID: tenant, UserID: userID, CredentialUserID: userID, KeyID: "oidc:" + userID}, nil
}

// acting applies the Flowgate-Acting-User header.
func (a *authenticator) acting(r *http.Request, p *principal) (*principal, *Problem) {
	as := strings.TrimSpace(r.Header.Get(ActingUserHeader))
	if as == "" || as == p.CredentialUserID {
		return p, nil
	}
	if !p.ActAs {
		return nil, forbidden("act_as_required", "this key may not act for other users ("+ActingUserHeader+" needs a key with the act_as scope)")
	}
	u, err := a.e.GetUser(r.Context(), p.TenantID, as)
	if err != nil && !errors.Is(err, flowgate.ErrNotFound) {
		return nil, &Problem{Status: 500, Detail: err.Error()}
	}
	if err != nil || !u.IsActive {
		return nil, forbidden("unknown_acting_user", ActingUserHeader+" names no active user of this tenant")
	}
	p.UserID = as
	return p, nil
}

// requireAdmin refuses definition and directory changes by non-admin keys.
func requireAdmin(ctx context.Context) (*principal, error) {
	p := principalFrom(ctx)
	if !p.Admin {
		return nil, forbidden("admin_required", "only an admin key may change definitions and the directory")
	}
	return p, nil
}
