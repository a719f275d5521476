package notify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/flowtype"
)

func TestBuiltinTemplatesRenderInBothLanguages(t *testing.T) {
	t.Parallel()
	tm := NewTemplates("")
	data := &Data{RecipientName: "Sara", WorkflowName: "Purchase", StageName: "Budget", ToStageName: "Budget",
		SubjectType: "purchase_request", SubjectID: "42", ActorName: "r1", Reason: "<b>too</b> expensive", DelegatedToName: "cfo"}
	for _, name := range TemplateForEvent {
		for _, lang := range Languages {
			r, err := tm.Render(lang, name, data)
			if err != nil {
				t.Fatalf("%s/%s: %v", lang, name, err)
			}
			if r.Lang != lang || r.Subject == "" || !strings.Contains(r.HTML, `lang="`+lang+`"`) {
				t.Fatalf("%s/%s: %+v", lang, name, r)
			}
			if rtl := strings.Contains(r.HTML, `dir="rtl"`); rtl != (lang == "ar") {
				t.Fatalf("%s/%s: rtl %v", lang, name, rtl)
			}
			if strings.Contains(r.HTML, "<b>too</b>") || !strings.Contains(r.Text, "<b>too</b> expensive") {
				t.Fatalf("%s/%s: the reason must be escaped in HTML and plain in text", lang, name)
			}
		}
	}
	r, err := tm.Render("fr", "workflow_approved", data)
	if err != nil || r.Lang != "en" || r.Subject != "Workflow Approved" {
		t.Fatalf("an unknown language falls back to English: %+v %v", r, err)
	}
	if _, err := tm.Render("en", "nope", data); !errors.Is(err, ErrNoTemplate) {
		t.Fatalf("unknown template: %v", err)
	}
	if _, err := tm.Render("en", "../layout", data); !errors.Is(err, ErrNoTemplate) {
		t.Fatalf("a path is not a template name: %v", err)
	}
}

func TestTemplatesOverriddenFromDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("en/workflow_approved.html", `{{define "subject"}}Approved: {{.SubjectID}}{{end}}{{define "content"}}<p>custom</p>{{end}}`)
	write("en/po_done.html", `{{define "subject"}}PO {{.Params.po}}{{end}}{{define "content"}}<p>{{.Params.po}}</p>{{end}}`)
	tm := NewTemplates(dir)
	r, err := tm.Render("en", "workflow_approved", &Data{SubjectID: "42"})
	if err != nil || r.Subject != "Approved: 42" || !strings.Contains(r.HTML, "custom") || !strings.Contains(r.HTML, "<html") {
		t.Fatalf("override: %+v %v", r, err)
	}
	r, err = tm.Render("ar", "workflow_approved", &Data{SubjectID: "42"})
	if err != nil || r.Lang != "ar" || strings.Contains(r.HTML, "custom") {
		t.Fatalf("the Arabic built-in stays: %+v %v", r, err)
	}
	r, err = tm.Render("ar", "po_done", &Data{Params: map[string]any{"po": "PO-7"}})
	if err != nil || r.Lang != "en" || r.Subject != "PO PO-7" {
		t.Fatalf("a new template: %+v %v", r, err)
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	users := map[string]*flowtype.User{
		"req":  {ID: "req", Email: "req@x.test", Name: "Req", IsActive: true},
		"u7":   {ID: "u7", Email: "U7@x.test", Locale: "ar", IsActive: true},
		"r1":   {ID: "r1", Email: "r1@x.test", IsActive: true},
		"r2":   {ID: "r2", Email: "", IsActive: true},
		"gone": {ID: "gone", Email: "gone@x.test", IsActive: false},
	}
	f := Facts{
		Creator: "u7", Starter: "req", DelegatedTo: "r1",
		CurrentApprovers: func(context.Context) ([]string, error) { return []string{"r1", "r2"}, nil },
		NextApprovers:    func(context.Context) ([]string, error) { return []string{"gone", "req"}, nil },
		User: func(_ context.Context, id string) (*flowtype.User, error) {
			if u, ok := users[id]; ok {
				return u, nil
			}
			return nil, flowtype.NotFound("user", id)
		},
	}
	got, err := Resolve(context.Background(), []string{"creator", "workflow_starter", "current_approvers",
		"next_approvers", "delegated_to", "u7@X.test", "Boss <boss@x.test>", "ghost", "user:req", "not an address@"}, f)
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, r := range got.Recipients {
		addrs = append(addrs, r.Address)
	}
	if strings.Join(addrs, " ") != "U7@x.test req@x.test r1@x.test boss@x.test" {
		t.Fatalf("recipients %v", addrs)
	}
	var skipped []string
	for _, s := range got.Skipped {
		skipped = append(skipped, s.UserID+":"+s.Reason)
	}
	if strings.Join(skipped, " ") != "r2:no_address gone:inactive ghost:unknown not an address@:invalid_address" {
		t.Fatalf("skipped %v", skipped)
	}
	if got.Recipients[0].Locale != "ar" || Language("ar-EG", "en") != "ar" || Language("", "en") != "en" || Language("en_US", "ar") != "en" {
		t.Fatal("languages")
	}
	f.User = func(context.Context, string) (*flowtype.User, error) { return nil, errors.New("db down") }
	if _, err := Resolve(context.Background(), []string{"creator"}, f); err == nil {
		t.Fatal("a directory error must fail the resolution (the run is retried)")
	}
}

func TestSMTPConfigErrors(t *testing.T) {
	t.Parallel()
	if err := (&SMTP{}).Send(context.Background(), nil); err == nil {
		t.Fatal("no host")
	}
	if err := (&SMTP{Host: "localhost", TLSPolicy: "sometimes"}).Send(context.Background(), nil); err == nil {
		t.Fatal("bad TLS policy")
	}
}
