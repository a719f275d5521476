package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"
)

// SMTP is an SMTP relay.
type SMTP struct {
	Host string
	// Port defaults to 587 (465 with TLSPolicy "tls").
	Port int
	// TLSPolicy is "mandatory" (STARTTLS required; the default),
	// "opportunistic" (STARTTLS when offered), "none" (plain text) or
	// "tls" (implicit TLS, usually port 465).
	TLSPolicy string
	// Username and Password enable authentication (PLAIN, or LOGIN when
	// AuthMechanism says so).
	Username      string
	Password      string
	AuthMechanism string
	// Timeout bounds connecting and each command. Defaults to 30 s.
	Timeout time.Duration
	// InsecureSkipVerify skips certificate checks (tests only).
	InsecureSkipVerify bool
}

// Mail is one message to one recipient.
type Mail struct {
	From    string
	To      string
	ToName  string
	Subject string
	HTML    string
	Text    string
	Lang    string
	// MessageID is the Message-ID without angle brackets.
	MessageID string
	Headers   map[string]string
}

// Send delivers messages over one connection.
func (s *SMTP) Send(ctx context.Context, msgs []*Mail) error {
	if s.Host == "" {
		return errors.New("notify: no SMTP host configured")
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	out := make([]*mail.Msg, 0, len(msgs))
	for _, m := range msgs {
		gm, err := build(m)
		if err != nil {
			return err
		}
		out = append(out, gm)
	}
	if err := c.DialAndSendWithContext(ctx, out...); err != nil {
		return fmt.Errorf("notify: smtp %s: %w", s.Host, err)
	}
	return nil
}

func (s *SMTP) client() (*mail.Client, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithTimeout(timeout)}
	port := s.Port
	switch strings.ToLower(s.TLSPolicy) {
	case "", "mandatory":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case "opportunistic":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "tls":
		opts = append(opts, mail.WithSSL())
		if port == 0 {
			port = 465
		}
	default:
		return nil, fmt.Errorf("notify: unknown TLS policy %q (mandatory, opportunistic, none or tls)", s.TLSPolicy)
	}
	if port == 0 {
		port = 587
	}
	opts = append(opts, mail.WithPort(port))
	if s.Username != "" {
		mech := mail.SMTPAuthPlain
		if strings.EqualFold(s.AuthMechanism, "login") {
			mech = mail.SMTPAuthLogin
		}
		opts = append(opts, mail.WithSMTPAuth(mech), mail.WithUsername(s.Username), mail.WithPassword(s.Password))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp client: %w", err)
	}
	if s.InsecureSkipVerify {
		// #nosec G402 -- an explicit test-only switch.
		if err := c.SetTLSConfig(&tls.Config{ServerName: s.Host, InsecureSkipVerify: true}); err != nil {
			return nil, fmt.Errorf("notify: smtp tls: %w", err)
		}
	}
	return c, nil
}

func build(m *Mail) (*mail.Msg, error) {
	msg := mail.NewMsg()
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("notify: from %q: %w", m.From, err)
	}
	to := m.To
	if m.ToName != "" {
		if err := msg.AddToFormat(m.ToName, m.To); err != nil {
			return nil, fmt.Errorf("notify: to %q: %w", to, err)
		}
	} else if err := msg.To(to); err != nil {
		return nil, fmt.Errorf("notify: to %q: %w", to, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageID()
	}
	if m.Lang != "" {
		msg.SetGenHeader(mail.HeaderContentLang, m.Lang)
	}
	for k, v := range m.Headers {
		msg.SetGenHeader(mail.Header(k), v)
	}
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	return msg, nil
}
