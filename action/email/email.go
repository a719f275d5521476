// Package email is the built-in "email" action handler: the default
// notifications of SEMANTICS §5 and any e-mail action an admin
// configures. It renders a template per recipient, in the recipient's
// language (English and Arabic built in, right-to-left for Arabic,
// overridable from a folder), and sends it over SMTP with go-mail, or
// through a hook that replaces the sender (the original's
// WORKFLOW_SEND_EMAIL_FUNCTION).
//
// Parameters (all optional):
//
//	{"template": "workflow_approved",            // default: by event type
//	 "recipients": ["creator", "current_approver", "next_approvers",
//	                "delegated_to", "workflow_starter", "a@b.c", "<user id>"],
//	 "cc": ["audit@example.com"],                // more recipients
//	 "subject": "Workflow Approved" | {"en": "…", "ar": "…"},
//	 "language": "ar"}                           // force one language
//
// Each address gets one message per run (deduplicated case-insensitively);
// users without an address, inactive or unknown are skipped and counted in
// the run's result. Delivery is at least once: a retried run sends again,
// with the same Message-ID (derived from the run key and the address) so
// that mail systems can drop the duplicate.
package email

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/flowgate/flowgate/action"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/internal/notify"
)

// Name is the handler's registered name.
const Name = "email"

// Config configures the handler. Either SMTP.Host or Send is needed to
// deliver anything.
type Config struct {
	// SMTP is the relay messages go through when Send is nil.
	SMTP SMTP
	// From is the sender address ("Flowgate <noreply@example.com>").
	// Defaults to "noreply@localhost".
	From string
	// TemplatesDir overrides built-in templates: DIR/<lang>/<name>.html
	// (and DIR/<lang>/layout.html) replace or add templates.
	TemplatesDir string
	// DefaultLanguage is used for recipients without a locale (literal
	// addresses included). Defaults to "en".
	DefaultLanguage string
	// Send, when set, delivers every message instead of SMTP.
	Send func(ctx context.Context, m *Message) error
	// Disabled sends nothing (the engine's DisableEmails): runs succeed
	// with a result saying so.
	Disabled bool
	// Logger defaults to discarding.
	Logger *slog.Logger
}

// SMTP is an SMTP relay.
type SMTP struct {
	Host string
	// Port defaults to 587 (465 with TLSPolicy "tls").
	Port int
	// TLSPolicy is "mandatory" (STARTTLS required; the default),
	// "opportunistic", "none" or "tls" (implicit TLS).
	TLSPolicy string
	// Username and Password turn authentication on (PLAIN, or LOGIN when
	// AuthMechanism is "login").
	Username      string
	Password      string
	AuthMechanism string
	// Timeout bounds connecting and each command. Defaults to 30 s.
	Timeout time.Duration
	// InsecureSkipVerify skips the server certificate check (tests only).
	InsecureSkipVerify bool
}

// Message is one rendered notification to one recipient.
type Message struct {
	From    string
	To      string
	ToName  string
	UserID  string
	Lang    string
	Subject string
	HTML    string
	Text    string
	// Template is the template name the message was rendered from.
	Template string
	// MessageID is stable for a run and a recipient (no angle brackets).
	MessageID  string
	RunKey     string
	Event      flowtype.EventType
	TenantID   string
	InstanceID string
}

// Params are an e-mail action's parameters.
type Params struct {
	Template   string   `json:"template"`
	Recipients []string `json:"recipients"`
	CC         []string `json:"cc"`
	// Subject is a string (used for English) or a map by language.
	Subject  any    `json:"subject"`
	Language string `json:"language"`
}

// Result is what a run records.
type Result struct {
	Template string        `json:"template"`
	Sent     int           `json:"sent"`
	To       []string      `json:"to"`
	Skipped  []notify.Skip `json:"skipped,omitempty"`
	Disabled bool          `json:"disabled,omitempty"`
}

// New returns the handler.
func New(cfg Config) action.Handler {
	if cfg.From == "" {
		cfg.From = "noreply@localhost"
	}
	if cfg.DefaultLanguage == "" {
		cfg.DefaultLanguage = "en"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &handler{cfg: cfg, tmpl: notify.NewTemplates(cfg.TemplatesDir)}
	return h.handle
}

type handler struct {
	cfg  Config
	tmpl *notify.Templates
}

func (h *handler) handle(ctx context.Context, req *action.Request) error {
	var p Params
	if err := req.Params(&p); err != nil {
		return err
	}
	if p.Template == "" {
		p.Template = notify.TemplateForEvent[string(req.Event.Type)]
	}
	if p.Template == "" {
		return action.Permanent(fmt.Errorf("email: no template for event %s", req.Event.Type))
	}
	if len(p.Recipients) == 0 {
		p.Recipients = []string{notify.RecipientCreator}
	}
	if h.cfg.Disabled {
		req.SetResult(&Result{Template: p.Template, To: []string{}, Disabled: true})
		return nil
	}
	if h.cfg.Send == nil && h.cfg.SMTP.Host == "" {
		return action.Permanent(errors.New("email: no SMTP host configured and no Send hook"))
	}
	resolved, err := notify.Resolve(ctx, append(p.Recipients, p.CC...), h.facts(req))
	if err != nil {
		return err
	}
	msgs := make([]*Message, 0, len(resolved.Recipients))
	for _, rc := range resolved.Recipients {
		m, err := h.render(ctx, req, &p, rc)
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	res := &Result{Template: p.Template, To: make([]string, 0, len(msgs)), Skipped: resolved.Skipped}
	for _, m := range msgs {
		res.To = append(res.To, m.To)
	}
	if err := h.send(ctx, msgs); err != nil {
		return err
	}
	res.Sent = len(msgs)
	req.SetResult(res)
	if len(resolved.Skipped) > 0 {
		h.cfg.Logger.Info("email: recipients skipped", "run_key", req.RunKey, "skipped", len(resolved.Skipped))
	}
	return nil
}

func (h *handler) facts(req *action.Request) notify.Facts {
	creator := req.Instance.StartedBy
	if req.Subject != nil && req.Subject.CreatedBy != "" {
		creator = req.Subject.CreatedBy
	}
	f := notify.Facts{Creator: creator, Starter: req.Instance.StartedBy, DelegatedTo: req.Context.DelegatedTo}
	if s := req.Services; s != nil {
		f.User, f.CurrentApprovers, f.NextApprovers = s.User, s.CurrentApprovers, s.NextApprovers
	}
	return f
}

func (h *handler) render(ctx context.Context, req *action.Request, p *Params, rc notify.Recipient) (*Message, error) {
	lang := p.Language
	if lang == "" {
		lang = notify.Language(rc.Locale, h.cfg.DefaultLanguage)
	}
	c := &req.Context
	data := &notify.Data{
		RecipientName: rc.Name, WorkflowName: c.Workflow.DisplayName(lang),
		PipelineName: c.Pipeline.DisplayName(lang), StageName: c.Stage.DisplayName(lang),
		FromStageName: c.FromStage.DisplayName(lang), ToStageName: c.ToStage.DisplayName(lang),
		SubjectType: req.Instance.SubjectType, SubjectID: req.Instance.SubjectID, InstanceID: req.Instance.ID,
		Status: string(req.Instance.Status), EventType: string(req.Event.Type), Reason: c.Reason,
	}
	if data.RecipientName == "" {
		data.RecipientName = rc.Address
	}
	if req.Actor != nil {
		data.ActorName = nameOr(req.Actor.Name, req.Actor.ID)
	}
	if c.DelegatedTo != "" {
		data.DelegatedToName = c.DelegatedTo
		if req.Services != nil {
			if u, err := req.Services.User(ctx, c.DelegatedTo); err == nil {
				data.DelegatedToName = nameOr(u.Name, u.ID)
			}
		}
	}
	_ = req.Params(&data.Params)
	r, err := h.tmpl.Render(lang, p.Template, data)
	if errors.Is(err, notify.ErrNoTemplate) {
		return nil, action.Permanent(err)
	}
	if err != nil {
		return nil, err
	}
	subject := r.Subject
	if s := subjectFor(p.Subject, r.Lang); s != "" {
		subject = s
	}
	return &Message{
		From: h.cfg.From, To: rc.Address, ToName: rc.Name, UserID: rc.UserID, Lang: r.Lang,
		Subject: subject, HTML: r.HTML, Text: r.Text, Template: p.Template,
		MessageID: messageID(req.RunKey, rc.Address), RunKey: req.RunKey, Event: req.Event.Type,
		TenantID: req.TenantID, InstanceID: req.Instance.ID,
	}, nil
}

// subjectFor picks the subject parameter for lang: a string applies to
// English, a map by language to its languages.
func subjectFor(v any, lang string) string {
	switch s := v.(type) {
	case string:
		if lang == "en" {
			return s
		}
	case map[string]any:
		if t, ok := s[lang].(string); ok {
			return t
		}
	}
	return ""
}

var unsafeID = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// messageID is stable for a run key and an address, so a retried run's
// message carries the Message-ID of the first attempt's.
func messageID(runKey, addr string) string {
	sum := sha256.Sum256([]byte(runKey + "\x00" + addr))
	return unsafeID.ReplaceAllString(runKey, ".") + "." + hex.EncodeToString(sum[:6]) + "@flowgate"
}

func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

func (h *handler) send(ctx context.Context, msgs []*Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if h.cfg.Send != nil {
		var errs []error
		for _, m := range msgs {
			if err := h.cfg.Send(ctx, m); err != nil {
				errs = append(errs, fmt.Errorf("email to %s: %w", m.To, err))
			}
		}
		return errors.Join(errs...)
	}
	smtp := &notify.SMTP{
		Host: h.cfg.SMTP.Host, Port: h.cfg.SMTP.Port, TLSPolicy: h.cfg.SMTP.TLSPolicy,
		Username: h.cfg.SMTP.Username, Password: h.cfg.SMTP.Password, AuthMechanism: h.cfg.SMTP.AuthMechanism,
		Timeout: h.cfg.SMTP.Timeout, InsecureSkipVerify: h.cfg.SMTP.InsecureSkipVerify,
	}
	mails := make([]*notify.Mail, len(msgs))
	for i, m := range msgs {
		mails[i] = &notify.Mail{From: m.From, To: m.To, ToName: m.ToName, Subject: m.Subject, HTML: m.HTML,
			Text: m.Text, Lang: m.Lang, MessageID: m.MessageID,
			Headers: map[string]string{"X-Flowgate-Run-Key": m.RunKey, "X-Flowgate-Event": string(m.Event)}}
	}
	return smtp.Send(ctx, mails)
}
