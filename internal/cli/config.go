package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"sigs.k8s.io/yaml"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/action/email"
	"github.com/flowgate/flowgate/action/webhook"
	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// serviceFlags are the service settings with a flag and an environment
// variable; the configuration file sets each of them too (see flagKeys).
// Precedence: flag > FLOWGATE_* variable > file > default.
type serviceFlags struct {
	Addr            string        `help:"Address to listen on (port 0 picks a free one)." default:"127.0.0.1:8080" env:"FLOWGATE_ADDR"`
	MaxBodyBytes    int64         `help:"Request body cap in bytes." default:"1048576" env:"FLOWGATE_MAX_BODY_BYTES"`
	ShutdownTimeout time.Duration `help:"On SIGTERM, how long in-flight requests and actions may take to finish." default:"30s" env:"FLOWGATE_SHUTDOWN_TIMEOUT"`
	NoMigrate       bool          `help:"Do not apply pending migrations; refuse to start while any is pending (run 'flowgate migrate' separately)." env:"FLOWGATE_NO_MIGRATE"`
	RateLimit       float64       `help:"Requests a second per key (0: no limit)." default:"0" env:"FLOWGATE_RATE_LIMIT"`
	RateBurst       int           `help:"Burst of the rate limit (default: the rate, rounded up)." env:"FLOWGATE_RATE_BURST"`
	OIDCIssuer      string        `name:"oidc-issuer" help:"Also accept OIDC ID tokens of this issuer." env:"FLOWGATE_OIDC_ISSUER"`
	OIDCAudience    string        `name:"oidc-audience" help:"The client id OIDC tokens must be issued to." env:"FLOWGATE_OIDC_AUDIENCE"`
	OIDCTenant      string        `name:"oidc-tenant" help:"Tenant whose users OIDC tokens map to (default: --tenant)." env:"FLOWGATE_OIDC_TENANT"`
	LogLevel        string        `help:"Log level: debug, info, warn or error." default:"info" env:"FLOWGATE_LOG_LEVEL"`
	LogFormat       string        `help:"Log format: text or json." default:"text" env:"FLOWGATE_LOG_FORMAT"`

	DisableEmails     bool   `help:"Send no e-mail (other actions still run)." env:"FLOWGATE_DISABLE_EMAILS"`
	EmailFrom         string `help:"Sender address of e-mails." default:"noreply@localhost" env:"FLOWGATE_EMAIL_FROM"`
	SMTPHost          string `name:"smtp-host" help:"SMTP relay host." env:"FLOWGATE_SMTP_HOST"`
	SMTPPort          int    `name:"smtp-port" help:"SMTP relay port (0: 587, or 465 with --smtp-tls=tls)." env:"FLOWGATE_SMTP_PORT"`
	SMTPTLS           string `name:"smtp-tls" help:"SMTP TLS policy: mandatory, opportunistic, none or tls." default:"mandatory" env:"FLOWGATE_SMTP_TLS"`
	SMTPUsername      string `name:"smtp-username" help:"SMTP user (turns authentication on)." env:"FLOWGATE_SMTP_USERNAME"`
	SMTPPassword      string `name:"smtp-password" help:"SMTP password." env:"FLOWGATE_SMTP_PASSWORD"`
	AutoCreateActions bool   `help:"Write the default e-mail notifications as workflow actions of every workflow created." env:"FLOWGATE_AUTO_CREATE_ACTIONS"`

	WebhookSecret      string        `help:"Secret signing the requests of webhook actions (HMAC-SHA256); without it webhook actions fail." env:"FLOWGATE_WEBHOOK_SECRET"`
	WorkerPollInterval time.Duration `help:"How often the action workers look for runs written by other processes." default:"1s" env:"FLOWGATE_WORKER_POLL_INTERVAL"`
	WorkerTimeout      time.Duration `help:"Time one attempt of an action may take." default:"1m" env:"FLOWGATE_WORKER_TIMEOUT"`
	WorkerLease        time.Duration `help:"How long a claimed action run stays reserved for this process: the runs of a replica that died are retried after it (0: worker timeout + 1m; it must exceed the timeout)." default:"0s" env:"FLOWGATE_WORKER_LEASE"`

	AutoCleanupCompleted       bool   `help:"Delete completed instances once they are --cleanup-days old, by a periodic cleanup (hourly unless --cleanup-schedule)." env:"FLOWGATE_AUTO_CLEANUP_COMPLETED"`
	RequirePermissionToStart   bool   `help:"Only users granted start_workflow (permissions.grants in the file) may attach and start workflows." env:"FLOWGATE_REQUIRE_PERMISSION_TO_START"`
	RequirePermissionToApprove bool   `help:"Besides holding the task, approving, rejecting or sending back, and delegating need approve_workflow, reject_workflow, delegate_workflow (permissions.grants in the file)." env:"FLOWGATE_REQUIRE_PERMISSION_TO_APPROVE"`
	DepartmentLinkType         string `help:"The host application's department type (such as hr.department) recorded for pipeline departments saved without one." env:"FLOWGATE_DEPARTMENT_LINK_TYPE"`

	// maintenanceFlags (config_maintenance.go): the scheduled cleanup.
	maintenanceFlags `embed:""`
	// telemetryFlags (config_telemetry.go): where traces go.
	telemetryFlags `embed:""`
}

// flagKeys maps each flag the file can set to its key in the file.
var flagKeys = map[string]string{
	"db":                            "database",
	"tenant":                        "tenant",
	"addr":                          "server.listen",
	"max-body-bytes":                "server.max_body_bytes",
	"shutdown-timeout":              "server.shutdown_timeout",
	"no-migrate":                    "server.no_migrate",
	"rate-limit":                    "rate_limit.per_second",
	"rate-burst":                    "rate_limit.burst",
	"oidc-issuer":                   "oidc.issuer",
	"oidc-audience":                 "oidc.audience",
	"oidc-tenant":                   "oidc.tenant",
	"log-level":                     "log.level",
	"log-format":                    "log.format",
	"disable-emails":                "email.disabled",
	"email-from":                    "email.from",
	"smtp-host":                     "email.smtp.host",
	"smtp-port":                     "email.smtp.port",
	"smtp-tls":                      "email.smtp.tls",
	"smtp-username":                 "email.smtp.username",
	"smtp-password":                 "email.smtp.password",
	"auto-create-actions":           "auto_create_actions",
	"webhook-secret":                "webhook.secret",
	"worker-poll-interval":          "workers.poll_interval",
	"worker-timeout":                "workers.timeout",
	"worker-lease":                  "workers.lease",
	"auto-cleanup-completed":        "auto_cleanup_completed",
	"require-permission-to-start":   "permissions.require_permission_to_start",
	"require-permission-to-approve": "permissions.require_permission_to_approve",
	"department-link-type":          "department_link_type",
}

// fileConfig is the configuration file's schema, and the shape config
// check prints the effective configuration in.
type fileConfig struct {
	Database string `json:"database"`
	Tenant   string `json:"tenant"`
	Server   struct {
		Listen          string       `json:"listen"`
		MaxBodyBytes    int64        `json:"max_body_bytes"`
		ShutdownTimeout durationText `json:"shutdown_timeout"`
		NoMigrate       bool         `json:"no_migrate"`
	} `json:"server"`
	RateLimit struct {
		PerSecond float64 `json:"per_second"`
		Burst     int     `json:"burst"`
	} `json:"rate_limit"`
	OIDC struct {
		Issuer   string `json:"issuer"`
		Audience string `json:"audience"`
		Tenant   string `json:"tenant"`
	} `json:"oidc"`
	Log struct {
		Level  string `json:"level"`
		Format string `json:"format"`
	} `json:"log"`
	Email struct {
		Disabled bool   `json:"disabled"`
		From     string `json:"from"`
		SMTP     struct {
			Host     string `json:"host"`
			Port     int    `json:"port"`
			TLS      string `json:"tls"`
			Username string `json:"username"`
			Password string `json:"password"`
		} `json:"smtp"`
	} `json:"email"`
	Webhook struct {
		Secret string `json:"secret"`
	} `json:"webhook"`
	Workers struct {
		PollInterval durationText `json:"poll_interval"`
		Timeout      durationText `json:"timeout"`
		Lease        durationText `json:"lease"`
	} `json:"workers"`
	// Cleanup is the scheduled cleanup (config_maintenance.go).
	Cleanup cleanupConfig `json:"cleanup"`
	// Telemetry is where traces go (config_telemetry.go).
	Telemetry telemetryConfig `json:"telemetry"`

	AutoCreateActions    bool `json:"auto_create_actions"`
	AutoCleanupCompleted bool `json:"auto_cleanup_completed"`
	Permissions          struct {
		RequirePermissionToStart   bool `json:"require_permission_to_start"`
		RequirePermissionToApprove bool `json:"require_permission_to_approve"`
		// Grants: permission -> holders (config_permissions.go).
		Grants grantsConfig `json:"grants,omitempty"`
	} `json:"permissions"`
	DepartmentLinkType string                  `json:"department_link_type"`
	Actions            flowgate.ActionSettings `json:"actions,omitempty"`
	Tenants            map[string]tenantConfig `json:"tenants,omitempty"`
}

// durationText is a duration written as text ("30s"), checked on decoding.
type durationText string

func (d *durationText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("want a duration such as 30s")
	}
	if _, err := time.ParseDuration(s); err != nil {
		return errors.New("want a duration such as 30s")
	}
	*d = durationText(s)
	return nil
}

type tenantConfig struct {
	SubjectTypes map[string]subjectTypeConfig `json:"subject_types"`
	// Permissions overrides permissions.grants in the tenant
	// (config_permissions.go).
	Permissions *tenantPermissions `json:"permissions,omitempty"`
}

type subjectTypeConfig struct {
	Workflows             []string         `json:"workflows,omitempty"`
	AutoStart             *autoStartConfig `json:"auto_start,omitempty"`
	StatusField           string           `json:"status_field,omitempty"`
	CompletionStatusValue string           `json:"completion_status_value,omitempty"`
	RejectionStatusValue  string           `json:"rejection_status_value,omitempty"`
}

type autoStartConfig struct {
	WorkflowID string          `json:"workflow_id"`
	Conditions json.RawMessage `json:"conditions,omitempty"`
}

// problem is one thing wrong with the configuration.
type problem struct{ Path, Reason string }

func (p problem) String() string {
	if p.Path == "" {
		return p.Reason
	}
	return p.Path + ": " + p.Reason
}

// loadedConfig is the configuration file as read before parsing flags.
type loadedConfig struct {
	Path     string
	File     fileConfig
	leaves   map[string]string // file key -> value, for the resolver
	Problems []problem
}

// configPath finds --config FILE (or FLOWGATE_CONFIG) before kong parses,
// since the file supplies values to the other flags.
func configPath(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if a == "--config" && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			return v
		}
	}
	return os.Getenv("FLOWGATE_CONFIG")
}

// loadConfig reads the file at path ("" means none) and checks its keys
// and value types; semantic checks come later, on the effective settings.
func loadConfig(path string) (*loadedConfig, error) {
	lc := &loadedConfig{Path: path, leaves: map[string]string{}}
	if path == "" {
		return lc, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		lc.Problems = append(lc.Problems, problem{"", "not valid YAML: " + err.Error()})
		return lc, nil
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		lc.Problems = append(lc.Problems, problem{"", "not valid YAML: " + err.Error()})
		return lc, nil
	}
	if doc == nil {
		return lc, nil
	}
	lc.walk("", doc, reflect.TypeOf(fileConfig{}))
	top, ok := doc.(map[string]any)
	if !ok {
		return lc, nil
	}
	// Key by key, so that one bad value (reported above) does not hide
	// the rest of the file from the semantic checks.
	for k, v := range top {
		b, _ := json.Marshal(map[string]any{k: v})
		_ = json.Unmarshal(b, &lc.File)
	}
	return lc, nil
}

var unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// walk checks v against t: unknown keys, and each leaf's type.
func (lc *loadedConfig) walk(path string, v any, t reflect.Type) {
	bad := func(reason string) { lc.Problems = append(lc.Problems, problem{path, reason}) }
	isLeaf := t.Kind() != reflect.Struct && t.Kind() != reflect.Map ||
		reflect.PointerTo(t).Implements(unmarshalerType) || t.Kind() == reflect.Map && t.Key().Kind() != reflect.String
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
		t = t.Elem()
		isLeaf = false
	}
	if isLeaf {
		b, _ := json.Marshal(v)
		if err := json.Unmarshal(b, reflect.New(t).Interface()); err != nil {
			var ute *json.UnmarshalTypeError
			if errors.As(err, &ute) && ute.Field == "" {
				bad(fmt.Sprintf("want %s, got %s", kindName(t), ute.Value))
			} else {
				bad(err.Error())
			}
			return
		}
		if v != nil {
			switch x := v.(type) {
			case string:
				lc.leaves[path] = x
			case json.Number:
				lc.leaves[path] = x.String()
			case bool:
				lc.leaves[path] = fmt.Sprint(x)
			case []any:
				if l, ok := listLeaf(x); ok {
					lc.leaves[path] = l
				}
			}
		}
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		if v != nil {
			bad("want a mapping")
		}
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	if t.Kind() == reflect.Map {
		for _, k := range keys {
			lc.walk(join(k), m[k], t.Elem())
		}
		return
	}
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		fields[name] = f.Type
	}
	for _, k := range keys {
		ft, ok := fields[k]
		if !ok {
			lc.Problems = append(lc.Problems, problem{join(k), "unknown key"})
			continue
		}
		lc.walk(join(k), m[k], ft)
	}
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	}
	return t.String()
}

// resolver gives the file's values to flags set neither on the command
// line (kong skips those) nor by their environment variable.
func (lc *loadedConfig) resolver() kong.Resolver {
	return kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
		key, ok := flagKeys[flag.Name]
		if !ok {
			return nil, nil
		}
		for _, e := range flag.Envs {
			if _, set := os.LookupEnv(e); set {
				return nil, nil
			}
		}
		if v, ok := lc.leaves[key]; ok {
			return v, nil
		}
		return nil, nil
	})
}

// effective is the configuration in force: the flags (after env and file)
// and the file's structured settings.
func effective(g *Globals, f *serviceFlags, lc *loadedConfig) *fileConfig {
	c := lc.File
	c.Database, c.Tenant = g.DB, g.Tenant
	c.Server.Listen, c.Server.MaxBodyBytes = f.Addr, f.MaxBodyBytes
	c.Server.ShutdownTimeout, c.Server.NoMigrate = durationText(f.ShutdownTimeout.String()), f.NoMigrate
	c.RateLimit.PerSecond, c.RateLimit.Burst = f.RateLimit, f.RateBurst
	c.OIDC.Issuer, c.OIDC.Audience, c.OIDC.Tenant = f.OIDCIssuer, f.OIDCAudience, f.OIDCTenant
	c.Log.Level, c.Log.Format = f.LogLevel, f.LogFormat
	c.Email.Disabled, c.Email.From = f.DisableEmails, f.EmailFrom
	s := &c.Email.SMTP
	s.Host, s.Port, s.TLS, s.Username, s.Password = f.SMTPHost, f.SMTPPort, f.SMTPTLS, f.SMTPUsername, f.SMTPPassword
	c.AutoCreateActions, c.AutoCleanupCompleted = f.AutoCreateActions, f.AutoCleanupCompleted
	c.Webhook.Secret = f.WebhookSecret
	c.Workers.PollInterval = durationText(f.WorkerPollInterval.String())
	c.Workers.Timeout = durationText(f.WorkerTimeout.String())
	c.Workers.Lease = durationText(f.WorkerLease.String())
	c.Permissions.RequirePermissionToStart = f.RequirePermissionToStart
	c.Permissions.RequirePermissionToApprove = f.RequirePermissionToApprove
	c.DepartmentLinkType = f.DepartmentLinkType
	c.Cleanup = f.cleanupSection()
	c.Telemetry = f.telemetrySection()
	return &c
}

// builtinHandlers are the handlers the flowgate binary registers.
var builtinHandlers = map[string]bool{"email": true, "webhook": true, "set_subject_field": true, "log": true}

// check returns every semantic problem of an effective configuration.
func (c *fileConfig) check() []problem {
	var ps []problem
	add := func(path, format string, a ...any) { ps = append(ps, problem{path, fmt.Sprintf(format, a...)}) }
	oneOf := func(path, v string, allowed ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		add(path, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	if c.Database == "" {
		add("database", "must not be empty")
	}
	if c.Tenant == "" {
		add("tenant", "must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		add("server.listen", "want host:port: %v", err)
	}
	if c.Server.MaxBodyBytes < 0 {
		add("server.max_body_bytes", "must not be negative")
	}
	if d, err := time.ParseDuration(string(c.Server.ShutdownTimeout)); err != nil || d < 0 {
		add("server.shutdown_timeout", "want a non-negative duration such as 30s")
	}
	if c.RateLimit.PerSecond < 0 {
		add("rate_limit.per_second", "must not be negative")
	}
	if c.RateLimit.Burst < 0 {
		add("rate_limit.burst", "must not be negative")
	}
	if c.OIDC.Issuer != "" {
		if u, err := url.Parse(c.OIDC.Issuer); err != nil || u.Scheme == "" || u.Host == "" {
			add("oidc.issuer", "want an absolute URL")
		}
		if c.OIDC.Audience == "" {
			add("oidc.audience", "is required when oidc.issuer is set")
		}
	}
	oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	oneOf("log.format", c.Log.Format, "text", "json")
	oneOf("email.smtp.tls", c.Email.SMTP.TLS, "mandatory", "opportunistic", "none", "tls")
	if p := c.Email.SMTP.Port; p < 0 || p > 65535 {
		add("email.smtp.port", "want 0 to 65535")
	}
	c.checkWorkers(add)
	c.checkCleanup(add)
	c.checkTelemetry(add)
	c.checkPermissions(add)
	for _, k := range sortedKeys(c.Actions) {
		for i, a := range c.Actions[k] {
			p := fmt.Sprintf("actions.%s[%d]", k, i)
			if !definition.IsActionType(a.ActionType) {
				add(p+".action_type", "unknown action type %q", a.ActionType)
			}
			if a.Handler == "" {
				add(p+".handler", "is required")
			} else if !builtinHandlers[a.Handler] {
				add(p+".handler", "unknown handler %q (this binary has email, log, set_subject_field, webhook)", a.Handler)
			}
		}
	}
	for _, tn := range sortedKeys(c.Tenants) {
		sts := c.Tenants[tn].SubjectTypes
		for _, st := range sortedKeys(sts) {
			p := "tenants." + tn + ".subject_types." + st
			for i, wf := range sts[st].Workflows {
				if wf == "" {
					add(fmt.Sprintf("%s.workflows[%d]", p, i), "must not be empty")
				}
			}
			if r := sts[st].AutoStart; r != nil {
				if r.WorkflowID == "" {
					add(p+".auto_start.workflow_id", "is required")
				}
				if err := checkConditions(r.Conditions); err != nil {
					add(p+".auto_start.conditions", "%v", err)
				}
			}
		}
	}
	return ps
}

// checkWorkers checks the workers' durations: the lease must outlast an
// attempt, or a slow attempt would be claimed again while it runs.
func (c *fileConfig) checkWorkers(add func(path, format string, a ...any)) {
	if d, err := time.ParseDuration(string(c.Workers.PollInterval)); err != nil || d < 0 {
		add("workers.poll_interval", "want a non-negative duration such as 1s")
	}
	timeout, terr := time.ParseDuration(string(c.Workers.Timeout))
	if terr != nil || timeout < 0 {
		add("workers.timeout", "want a non-negative duration such as 1m")
	}
	if timeout <= 0 {
		timeout = time.Minute // the engine's default
	}
	lease, err := time.ParseDuration(string(c.Workers.Lease))
	switch {
	case err != nil || lease < 0:
		add("workers.lease", "want a non-negative duration such as 2m")
	case lease > 0 && terr == nil && lease <= timeout:
		add("workers.lease", "must exceed workers.timeout (%s)", timeout)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// masked returns a copy with secrets replaced by "***".
func (c *fileConfig) masked() *fileConfig {
	out := *c
	if out.Email.SMTP.Password != "" {
		out.Email.SMTP.Password = "***"
	}
	if out.Webhook.Secret != "" {
		out.Webhook.Secret = "***"
	}
	out.Telemetry = out.Telemetry.masked()
	if u, err := url.Parse(out.Database); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxx")
			out.Database = strings.Replace(u.String(), ":xxx@", ":***@", 1)
		}
	}
	return &out
}

// newLogger builds the service's logger from log.level and log.format.
// Records logged with a request's context carry its request_id, tenant,
// user and instance_id (and trace ids), the engine's included.
func newLogger(w io.Writer, f *serviceFlags) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(f.LogLevel)) // checked before
	opts := &slog.HandlerOptions{Level: lvl}
	if f.LogFormat == "json" {
		return slog.New(api.ContextLogHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(api.ContextLogHandler(slog.NewTextHandler(w, opts)))
}

// engineConfig maps the settings onto the engine's Config.
func engineConfig(c *fileConfig, logger *slog.Logger) *flowgate.Config {
	return &flowgate.Config{
		Logger:            logger,
		Actions:           c.Actions,
		AutoCreateActions: c.AutoCreateActions,
		DisableEmails:     c.Email.Disabled,
		Webhook:           webhook.Config{DefaultSecret: c.Webhook.Secret},
		Workers:           workerConfig(c),
		Email: email.Config{
			From: c.Email.From,
			SMTP: email.SMTP{
				Host: c.Email.SMTP.Host, Port: c.Email.SMTP.Port, TLSPolicy: c.Email.SMTP.TLS,
				Username: c.Email.SMTP.Username, Password: c.Email.SMTP.Password,
			},
		},
		Permissions:        permissionsOf(c), // config_permissions.go
		DepartmentLinkType: c.DepartmentLinkType,
	}
}

// workerConfig maps the workers' settings (checked before); the shutdown
// timeout also bounds the actions in flight, as its flag says.
func workerConfig(c *fileConfig) flowgate.WorkerConfig {
	d := func(t durationText) time.Duration {
		v, _ := time.ParseDuration(string(t))
		return v
	}
	return flowgate.WorkerConfig{
		PollInterval: d(c.Workers.PollInterval), Timeout: d(c.Workers.Timeout), Lease: d(c.Workers.Lease),
		StopTimeout: d(c.Server.ShutdownTimeout),
	}
}

// applySubjectTypes saves the file's subject types into their tenants.
func applySubjectTypes(env *Env, e *flowgate.Engine, c *fileConfig) error {
	for _, tn := range sortedKeys(c.Tenants) {
		sts := c.Tenants[tn].SubjectTypes
		for _, name := range sortedKeys(sts) {
			sc := sts[name]
			st := &flowgate.SubjectType{
				Type: name, Workflows: sc.Workflows, StatusField: sc.StatusField,
				CompletionStatusValue: sc.CompletionStatusValue, RejectionStatusValue: sc.RejectionStatusValue,
			}
			if r := sc.AutoStart; r != nil {
				st.AutoStart = &flowgate.AutoStartRule{WorkflowID: r.WorkflowID, Conditions: r.Conditions}
			}
			if _, err := e.SaveSubjectType(env.Ctx, tn, st); err != nil {
				return fmt.Errorf("config: tenants.%s.subject_types.%s: %w", tn, name, err)
			}
		}
	}
	return nil
}

type configCmd struct {
	Check configCheckCmd `cmd:"" help:"Validate the configuration (--config FILE, flags, FLOWGATE_* variables) and print it with secrets masked."`
}

type configCheckCmd struct {
	serviceFlags `embed:""`
}

func (c *configCheckCmd) Run(env *Env) error {
	lc := env.Config
	eff := effective(env.Global, &c.serviceFlags, lc)
	ps := lc.Problems
	reported := map[string]bool{}
	for _, p := range ps {
		reported[p.Path] = true
	}
	for _, p := range eff.check() {
		if !reported[p.Path] {
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		return problemsError(lc.Path, ps)
	}
	out, err := yaml.Marshal(eff.masked())
	if err != nil {
		return err
	}
	_, err = env.Out.Write(out)
	return err
}

// problemsError is the error of an invalid configuration; printError
// prints it one problem a line.
func problemsError(path string, ps []problem) error {
	if path == "" {
		path = "flags and environment"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid configuration (%s):", path)
	for _, p := range ps {
		b.WriteString("\n  - " + p.String())
	}
	return errors.New(b.String())
}

// refusePending fails when the database has a migration of this build
// not applied (serve --no-migrate).
func refusePending(ctx context.Context, s *sqlstore.Store) error {
	list, err := s.MigrateStatus(ctx)
	if err != nil {
		return fmt.Errorf("--no-migrate: reading the migration status: %w", err)
	}
	var pending []string
	for _, m := range list {
		if !m.Applied {
			pending = append(pending, fmt.Sprintf("%05d %s", m.Version, m.Name))
		}
	}
	if len(pending) == 0 {
		return nil
	}
	return fmt.Errorf("--no-migrate: the database has %d pending migration(s) (%s); apply them with 'flowgate migrate up' (same --db) or start without --no-migrate",
		len(pending), strings.Join(pending, ", "))
}
