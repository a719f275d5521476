package flowgate_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/action/email"
	"github.com/flowgate/flowgate/flowtype"
)

// smtpServer is a real SMTP server in the test process (emersion/go-smtp)
// that keeps every message it accepts. It requires AUTH PLAIN.
type smtpServer struct {
	addr string
	port int
	mu   sync.Mutex
	msgs []*smtpMessage
}

type smtpMessage struct {
	From string
	To   []string
	Data []byte
}

func newSMTPServer(t *testing.T) *smtpServer {
	t.Helper()
	srv := &smtpServer{}
	s := smtp.NewServer(srv)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.addr, srv.port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return srv
}

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: s}, nil }

func (s *smtpServer) messages() []*smtpMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

type smtpSession struct {
	srv  *smtpServer
	auth bool
	msg  smtpMessage
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "flowgate" || pass != "s3cret" {
			return errors.New("bad credentials")
		}
		s.auth = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.auth {
		return smtp.ErrAuthRequired
	}
	s.msg = smtpMessage{From: from}
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := s.msg
	m.Data = b
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, &m)
	s.srv.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.msg = smtpMessage{} }
func (s *smtpSession) Logout() error { return nil }

// parsedMail is what the test checks of a received message.
type parsedMail struct {
	To, Subject, Lang, Event, MessageID, HTML string
}

func parseMail(t *testing.T, m *smtpMessage) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	out := parsedMail{To: strings.Join(m.To, ","), Subject: subject, Lang: msg.Header.Get("Content-Language"),
		Event: msg.Header.Get("X-Flowgate-Event"), MessageID: msg.Header.Get("Message-Id")}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = p
		switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			r = quotedprintable.NewReader(p)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, p)
		}
		body, _ := io.ReadAll(r)
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			out.HTML = string(body)
		}
	}
	return out
}

// TestEmailEndToEnd takes a purchase request through approve, send back,
// resubmit, delegate and reject with the default notifications going
// through a real SMTP server: exactly the expected messages reach exactly
// the expected people, each in their language (the creator u7 reads
// Arabic; the starter req and the delegate cfo read English).
func TestEmailEndToEnd(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		srv := newSMTPServer(t)
		rig := f.withActions(flowgate.Config{Email: email.Config{
			SMTP: email.SMTP{Host: srv.addr, Port: srv.port, TLSPolicy: "none", Username: "flowgate", Password: "s3cret"},
			From: "Flowgate <noreply@acme.test>",
		}}, nil)
		must(f.e.SaveUser(f.ctx, acme, &flowgate.User{ID: "u7", Name: "سارة", Email: "u7@acme.test", Locale: "ar-EG", IsActive: true}))
		must(f.e.SaveUser(f.ctx, acme, &flowgate.User{ID: "req", Name: "Rita", Email: "req@acme.test", Locale: "en", IsActive: true}))
		f.createP("")
		v := must(f.e.Attach(f.ctx, acme, &flowgate.AttachParams{Actor: "req", WorkflowID: "P",
			Subject: flowgate.SubjectInput{Type: "purchase_request", ID: "42", CreatedBy: "u7"}}))

		v = f.approve(v, "r1")
		v = must(f.trySendBackTo(v, "r2", "IR", "missing quote"))
		v = must(f.tryResubmit(v, "req"))
		v = must(f.tryDelegate(v, "r1", "cfo", "on leave"))
		v = must(f.tryReject(v, "cfo", "too expensive"))
		if v.Instance.Status != flowtype.StatusRejected {
			t.Fatalf("status %s", v.Instance.Status)
		}
		rig.settle()

		var got []string
		ids := map[string]bool{}
		for _, m := range srv.messages() {
			p := parseMail(t, m)
			got = append(got, fmt.Sprintf("%s %s %s %q", p.Event, p.To, p.Lang, p.Subject))
			if ids[p.MessageID] {
				t.Fatalf("Message-ID %s used twice", p.MessageID)
			}
			ids[p.MessageID] = true
			if m.From != "noreply@acme.test" {
				t.Fatalf("envelope from %q", m.From)
			}
			rtl := strings.Contains(p.HTML, `dir="rtl"`)
			if rtl != (p.Lang == "ar") {
				t.Fatalf("message to %s in %s: rtl %v\n%s", p.To, p.Lang, rtl, p.HTML)
			}
		}
		slices.Sort(got)
		want := []string{
			`after_approve u7@acme.test ar "تمت الموافقة على سير العمل"`,
			`after_delegate cfo@acme.test en "Workflow Delegated"`,
			`after_delegate u7@acme.test ar "تم تفويض سير العمل"`,
			`after_move_stage u7@acme.test ar "انتقل سير العمل إلى المرحلة التالية"`, // IR → BA
			`after_move_stage u7@acme.test ar "انتقل سير العمل إلى المرحلة التالية"`, // resubmitted: BA → IR
			`after_reject u7@acme.test ar "تم رفض سير العمل"`,
			`after_resubmission req@acme.test en "Resubmission Required"`, // the current approver while waiting
			`after_resubmission u7@acme.test ar "مطلوب إعادة التقديم"`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, r := range rig.runs(v) {
			if r.Status != flowtype.RunSucceeded || r.Handler != "email" || r.Tier != flowtype.TierDefault {
				t.Fatalf("run %s %s: %s %s %q", r.Event, r.Handler, r.Tier, r.Status, r.LastError)
			}
		}
		// The Arabic rejection names the reason and the stage in Arabic
		// context; the English delegation names the delegate.
		for _, m := range srv.messages() {
			p := parseMail(t, m)
			if p.Event == "after_reject" && !strings.Contains(p.HTML, "too expensive") {
				t.Fatalf("rejection without its reason:\n%s", p.HTML)
			}
			if p.Event == "after_delegate" && p.Lang == "en" && !strings.Contains(p.HTML, "delegated to cfo") {
				t.Fatalf("delegation without the delegate:\n%s", p.HTML)
			}
		}
	})
}
