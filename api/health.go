package api

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// healthz answers while the process runs.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// readyz answers 200 when the database answers and its migrations are
// current, else 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	if err := s.cfg.Ready(ctx); err != nil {
		s.log.WarnContext(r.Context(), "api: not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "unavailable", "error": err.Error()})
		return
	}
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// docs is a browsable page of the API, rendered on the server from the
// OpenAPI document (no script, no CDN), linking to /openapi.json.
func (s *Server) docs(w http.ResponseWriter, _ *http.Request) {
	type op struct {
		Method, Path, Summary, Description string
		Body                               bool
	}
	type group struct {
		Tag string
		Ops []op
	}
	byTag := map[string][]op{}
	oapi := s.api.OpenAPI()
	for path, item := range oapi.Paths {
		for _, m := range []struct {
			name string
			op   *huma.Operation
		}{{"GET", item.Get}, {"POST", item.Post}, {"PUT", item.Put}, {"PATCH", item.Patch}, {"DELETE", item.Delete}} {
			if m.op == nil {
				continue
			}
			tag := "Other"
			if len(m.op.Tags) > 0 {
				tag = m.op.Tags[0]
			}
			byTag[tag] = append(byTag[tag], op{Method: m.name, Path: path, Summary: m.op.Summary,
				Description: m.op.Description, Body: m.op.RequestBody != nil})
		}
	}
	var groups []group
	for tag, ops := range byTag {
		sort.Slice(ops, func(i, j int) bool {
			if ops[i].Path != ops[j].Path {
				return ops[i].Path < ops[j].Path
			}
			return ops[i].Method < ops[j].Method
		})
		groups = append(groups, group{Tag: tag, Ops: ops})
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Tag < groups[j].Tag })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = docsPage.Execute(w, map[string]any{
		"Title": oapi.Info.Title, "Version": oapi.Info.Version, "Description": oapi.Info.Description, "Groups": groups,
	})
}

var docsPage = template.Must(template.New("docs").Funcs(template.FuncMap{"lower": strings.ToLower}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}
code{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px}
.op{border:1px solid #ddd;border-radius:6px;padding:.5rem .8rem;margin:.5rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:bold}
.get{color:#2a7}.post{color:#27a}.put,.patch{color:#a72}.delete{color:#a22}
p{margin:.3rem 0}
</style></head><body>
<h1>{{.Title}} <small>{{.Version}}</small></h1>
<p>{{.Description}}</p>
<p>The machine-readable contract: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Health: <a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>.</p>
{{range .Groups}}<h2>{{.Tag}}</h2>
{{range .Ops}}<div class="op"><span class="m {{lower .Method}}">{{.Method}}</span> <code>{{.Path}}</code>
<p>{{.Summary}}{{if .Body}} <em>(JSON body)</em>{{end}}</p>{{if .Description}}<p><small>{{.Description}}</small></p>{{end}}</div>
{{end}}{{end}}
</body></html>
`))
