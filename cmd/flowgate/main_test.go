package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeDemoWalksTheREADME builds the real binary, starts
// `flowgate serve --demo` on a free loopback port, waits for /readyz, then
// runs the README's curl session (parsed from README.md) with Go's HTTP
// client, and stops the server with SIGTERM.
func TestServeDemoWalksTheREADME(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "flowgate")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--db", filepath.Join(dir, "demo.db"), "serve", "--demo", "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	vars := readExports(t, stdout, &stderr)
	go func() {
		_, _ = io.Copy(io.Discard, stdout)
		exited <- cmd.Wait()
	}()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()
	for _, v := range []string{"FG", "RITA", "RAMI", "BOB", "ADMIN"} {
		if vars[v] == "" {
			t.Fatalf("serve --demo printed no %s: %v", v, vars)
		}
	}
	waitReady(t, vars["FG"])

	var bodies []string
	for i, line := range readmeCurls(t) {
		req := curlRequest(t, ctx, line, vars)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("README command %d: %v", i+1, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			t.Fatalf("README command %d (%s) answered %d: %s", i+1, line, resp.StatusCode, body)
		}
		bodies = append(bodies, string(body))
	}
	if len(bodies) != 6 {
		t.Fatalf("the README's curl session has %d commands, want 6", len(bodies))
	}
	var status struct {
		CurrentStage       string `json:"current_stage"`
		ProgressPercentage int    `json:"progress_percentage"`
		NextStage          string `json:"next_stage"`
	}
	if err := json.Unmarshal([]byte(bodies[3]), &status); err != nil || status.CurrentStage != "Budget Approval" ||
		status.ProgressPercentage != 25 || status.NextStage != "Final Finance Sign-off" {
		t.Fatalf("workflow_status after Rami's approval: %s", bodies[3])
	}
	for _, c := range []struct {
		i    int
		want string
	}{
		{0, `"current_stage":{"id":`}, {1, `"id":"1001"`}, {2, `"name_en":"Budget Approval"`},
		{4, `"type":"after_move_stage"`}, {5, `"id":"1001"`},
	} {
		if !strings.Contains(bodies[c.i], c.want) {
			t.Fatalf("README command %d: no %s in %s", c.i+1, c.want, bodies[c.i])
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve did not stop cleanly on SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s of SIGTERM")
	}
}

// readExports reads the server's output up to the blank line after its
// export lines.
func readExports(t *testing.T, r io.Reader, stderr *strings.Builder) map[string]string {
	t.Helper()
	vars := map[string]string{}
	export := regexp.MustCompile(`^export ([A-Z_]+)=(\S+)`)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if m := export.FindStringSubmatch(line); m != nil {
			vars[m[1]] = m[2]
			continue
		}
		if line == "" && len(vars) > 0 {
			return vars
		}
	}
	t.Fatalf("serve --demo ended its output early: %v\nstderr:\n%s", sc.Err(), stderr.String())
	return nil
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/readyz never answered 200", base)
}

// readmeCurls returns the curl commands of the README's "Try it with curl"
// session, continuation lines joined.
func readmeCurls(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "## Try it with curl")
	if !ok {
		t.Fatal(`README.md has no "## Try it with curl" section`)
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok {
		t.Fatal("the curl section has no sh block")
	}
	block, _, _ = strings.Cut(block, "```")
	block = strings.ReplaceAll(block, "\\\n", " ")
	var out []string
	for _, line := range strings.Split(block, "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "curl ") {
			out = append(out, line)
		}
	}
	return out
}

// curlRequest turns the curl options the README uses (-s, -X, -H, -d and
// the URL) into a request, expanding $VARS as the shell would.
func curlRequest(t *testing.T, ctx context.Context, line string, vars map[string]string) *http.Request {
	t.Helper()
	args := shellWords(t, line, vars)[1:]
	method, url, body := "", "", ""
	header := http.Header{}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-s":
		case "-X", "-H", "-d":
			if i+1 >= len(args) {
				t.Fatalf("%s needs a value: %s", a, line)
			}
			i++
			switch a {
			case "-X":
				method = args[i]
			case "-H":
				k, v, _ := strings.Cut(args[i], ":")
				header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			case "-d":
				body = args[i]
			}
		default:
			if strings.HasPrefix(a, "-") {
				t.Fatalf("the test does not know curl's %s: %s", a, line)
			}
			url = a
		}
	}
	if method == "" {
		method = http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
		header.Set("Content-Type", "application/x-www-form-urlencoded") // what curl -d sends
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	req.Header = header
	return req
}

// shellWords splits a command line as sh does for the README's needs:
// '…' literal, "…" and bare words with $VAR and ${VAR} expanded.
func shellWords(t *testing.T, line string, vars map[string]string) []string {
	t.Helper()
	varRe := regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)
	expand := func(s string) string {
		return varRe.ReplaceAllStringFunc(s, func(m string) string {
			name := varRe.FindStringSubmatch(m)[1]
			v, ok := vars[name]
			if !ok {
				t.Fatalf("the README uses $%s, which serve --demo does not print", name)
			}
			return v
		})
	}
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				t.Fatalf("unterminated ' in %s", line)
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			end := strings.IndexByte(line[i+1:], '"')
			if end < 0 {
				t.Fatalf(`unterminated " in %s`, line)
			}
			cur.WriteString(expand(line[i+1 : i+1+end]))
			i += end + 1
			inWord = true
		default:
			j := i
			for j < len(line) && !strings.ContainsRune(" \t'\"", rune(line[j])) {
				j++
			}
			cur.WriteString(expand(line[i:j]))
			i = j - 1
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
