package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBootstrapWithoutDemo is the operator's path to a first key: tenant,
// user, key, and the key printed alone so that scripts capture it.
func TestBootstrapWithoutDemo(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "flowgate.db")
	if code, _, errs := run(t, "--db", db, "--tenant", "acme", "user", "create", "ada"); code == 0 || !strings.Contains(errs, "tenant create") {
		t.Fatalf("user create in a missing tenant: exit %d: %s", code, errs)
	}
	if code, _, errs := run(t, "--db", db, "tenant", "create", "acme"); code != 0 {
		t.Fatalf("tenant create: %s", errs)
	}
	code, out, errs := run(t, "--db", db, "--tenant", "acme", "user", "create", "ada", "--name", "Ada Admin", "--email", "ada@example.com")
	if code != 0 || strings.TrimSpace(out) != "ada" {
		t.Fatalf("user create: exit %d, out %q: %s", code, out, errs)
	}
	code, out, errs = run(t, "--db", db, "key", "create", "--tenant", "acme", "--user", "ada", "--admin", "--act-as")
	key := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(key, "fg_") || strings.ContainsAny(key, " \n") || out != key+"\n" {
		t.Fatalf("key create: exit %d, out %q: %s", code, out, errs)
	}
	if code, _, errs := run(t, "--db", db, "--tenant", "acme", "key", "create", "--user", "nobody"); code == 0 {
		t.Fatalf("key create for an unknown user succeeded: %s", errs)
	}
	code, out, _ = run(t, "--db", db, "--tenant", "acme", "key", "list")
	if code != 0 || !strings.Contains(out, key[:9]) || strings.Contains(out, key) || !strings.Contains(out, "true") {
		t.Fatalf("key list: %q", out)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	if code, _, errs := run(t, "--db", db, "--tenant", "acme", "key", "revoke", id); code != 0 {
		t.Fatalf("key revoke: %s", errs)
	}
	_, out, _ = run(t, "--db", db, "--tenant", "acme", "key", "list")
	if strings.Contains(strings.Split(out, "\n")[1], " - ") && !strings.Contains(out, "Z") {
		t.Fatalf("revoked key shows no revocation time: %q", out)
	}
}
