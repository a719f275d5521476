package bench

import (
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// sinks are the local endpoints the benchmark's actions deliver to: a real
// SMTP server (emersion/go-smtp) that accepts and drops every message, and
// an HTTP server that answers every webhook with 204. Both count what they
// received.
type sinks struct {
	smtp     *smtp.Server
	smtpPort int
	mails    atomic.Int64

	web      *http.Server
	webURL   string
	webhooks atomic.Int64
}

func startSinks() (*sinks, error) {
	s := &sinks{}
	srv := smtp.NewServer(smtpBackend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.smtp, s.smtpPort = srv, ln.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(ln) }()

	wl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = srv.Close()
		return nil, err
	}
	s.webURL = "http://" + wl.Addr().String() + "/hook"
	s.web = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.webhooks.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.web.Serve(wl) }()
	return s, nil
}

func (s *sinks) close() {
	_ = s.smtp.Close()
	_ = s.web.Close()
}

// delivered is the number of e-mails and webhooks received so far.
func (s *sinks) delivered() int { return int(s.mails.Load() + s.webhooks.Load()) }

type smtpBackend struct{ s *sinks }

func (b smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: b.s}, nil }

type smtpSession struct{ s *sinks }

func (*smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (*smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss *smtpSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	ss.s.mails.Add(1)
	return nil
}
func (*smtpSession) Reset()        {}
func (*smtpSession) Logout() error { return nil }
