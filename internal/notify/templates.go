// Package notify builds and sends Flowgate's e-mail notifications: the
// templates per event in English and Arabic (right-to-left), recipient
// resolution, and SMTP delivery through go-mail. Package action/email puts
// them together as the built-in "email" handler.
package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	stdhtml "html"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	texttemplate "text/template"
)

//go:embed templates
var builtin embed.FS

// Languages are the languages the built-in templates exist in; other
// languages fall back to English.
var Languages = []string{"en", "ar"}

// TemplateForEvent is the template an e-mail action uses when its
// parameters name none.
var TemplateForEvent = map[string]string{
	"after_approve":        "workflow_approved",
	"after_reject":         "workflow_rejected",
	"after_resubmission":   "workflow_resubmission_required",
	"after_delegate":       "workflow_delegated",
	"after_move_stage":     "workflow_action_required",
	"after_move_pipeline":  "workflow_pipeline_changed",
	"on_workflow_start":    "workflow_started",
	"on_workflow_complete": "workflow_completed",
	"after_withdraw":       "workflow_withdrawn",
}

// Data is what a template sees.
type Data struct {
	Lang, Dir       string
	RecipientName   string
	WorkflowName    string
	PipelineName    string
	StageName       string
	FromStageName   string
	ToStageName     string
	SubjectType     string
	SubjectID       string
	InstanceID      string
	Status          string
	EventType       string
	ActorName       string
	Reason          string
	DelegatedToName string
	// Params are the action's parameters, for custom templates.
	Params map[string]any
}

// Templates renders notifications. A template named N in language L is
// read from Dir/L/N.html when that file exists, else from the built-in
// set; likewise the layout (layout.html) that wraps it. A file defines
// "subject" (plain text) and "content" (HTML); the layout defines "body".
type Templates struct {
	// Dir overrides built-in templates; empty means none.
	Dir string

	mu    sync.Mutex
	cache map[string]*compiled
}

type compiled struct {
	subject *texttemplate.Template
	body    *htmltemplate.Template
}

// NewTemplates returns templates overridable from dir ("" for none).
func NewTemplates(dir string) *Templates {
	return &Templates{Dir: dir, cache: map[string]*compiled{}}
}

// ErrNoTemplate is returned for a template that exists in no language.
var ErrNoTemplate = errors.New("notify: no such template")

// Rendered is a rendered notification.
type Rendered struct {
	// Lang is the language rendered: the one asked for, or English when
	// the template does not exist in it.
	Lang    string
	Subject string
	HTML    string
	Text    string
}

// Render renders template name in lang (English when lang has no such
// template).
func (t *Templates) Render(lang, name string, data *Data) (*Rendered, error) {
	c, lang, err := t.lookup(lang, name)
	if err != nil {
		return nil, err
	}
	d := *data
	d.Lang, d.Dir = lang, "ltr"
	if lang == "ar" {
		d.Dir = "rtl"
	}
	var sb, hb bytes.Buffer
	if err := c.subject.ExecuteTemplate(&sb, "subject", &d); err != nil {
		return nil, fmt.Errorf("notify: template %s/%s subject: %w", lang, name, err)
	}
	if err := c.body.ExecuteTemplate(&hb, "body", &d); err != nil {
		return nil, fmt.Errorf("notify: template %s/%s: %w", lang, name, err)
	}
	return &Rendered{Lang: lang, Subject: strings.Join(strings.Fields(sb.String()), " "), HTML: hb.String(),
		Text: PlainText(hb.String())}, nil
}

// lookup compiles (once) the template in lang, falling back to English.
func (t *Templates) lookup(lang, name string) (*compiled, string, error) {
	if !validName.MatchString(name) {
		return nil, "", fmt.Errorf("%w: %q", ErrNoTemplate, name)
	}
	for _, l := range []string{lang, "en"} {
		if !validName.MatchString(l) {
			continue
		}
		key := l + "/" + name
		t.mu.Lock()
		c, ok := t.cache[key]
		t.mu.Unlock()
		if ok {
			return c, l, nil
		}
		src, found, err := t.read(l, name+".html")
		if err != nil {
			return nil, "", err
		}
		if !found {
			continue
		}
		layout, found, err := t.read(l, "layout.html")
		if err != nil {
			return nil, "", err
		}
		if !found {
			layout, _, err = t.read("en", "layout.html")
			if err != nil {
				return nil, "", err
			}
		}
		c, err = compile(key, layout, src)
		if err != nil {
			return nil, "", err
		}
		t.mu.Lock()
		t.cache[key] = c
		t.mu.Unlock()
		return c, l, nil
	}
	return nil, "", fmt.Errorf("%w: %q", ErrNoTemplate, name)
}

var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// read returns a template file from Dir, else from the built-in set.
func (t *Templates) read(lang, file string) (string, bool, error) {
	if t.Dir != "" {
		b, err := os.ReadFile(filepath.Join(t.Dir, lang, file))
		if err == nil {
			return string(b), true, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", false, fmt.Errorf("notify: read template: %w", err)
		}
	}
	b, err := builtin.ReadFile("templates/" + lang + "/" + file)
	if err != nil {
		return "", false, nil
	}
	return string(b), true, nil
}

func compile(key, layout, src string) (*compiled, error) {
	subject, err := texttemplate.New(key).Parse(src)
	if err == nil && subject.Lookup("subject") == nil {
		err = errors.New(`it defines no "subject"`)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: template %s: %w", key, err)
	}
	body, err := htmltemplate.New(key).Parse(layout)
	if err == nil {
		_, err = body.Parse(src)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: template %s: %w", key, err)
	}
	return &compiled{subject: subject, body: body}, nil
}

var (
	tagPattern   = regexp.MustCompile(`(?s)<head.*?</head>|<[^>]*>`)
	blankPattern = regexp.MustCompile(`[ \t]*\n[\s]*`)
)

// PlainText is a readable text rendering of an HTML body: tags dropped,
// entities decoded, blank runs collapsed.
func PlainText(html string) string {
	s := tagPattern.ReplaceAllString(html, "\n")
	s = stdhtml.UnescapeString(s)
	s = blankPattern.ReplaceAllString(s, "\n")
	return strings.TrimSpace(s)
}
