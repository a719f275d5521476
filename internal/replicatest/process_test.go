package replicatest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds cmd/flowgate once into a temporary directory. The
// binary is built without -race even when the test runs with it: the
// replicas are the system under test, not the test's own goroutines, and
// a race-instrumented server would not fit the time budget on two cores.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "flowgate")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/flowgate/flowgate/cmd/flowgate")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// childEnv is the environment of the child processes: the test's own
// without FLOWGATE_* variables, which would otherwise configure the
// replicas behind the test's back (a FLOWGATE_CONFIG file, say).
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FLOWGATE_") {
			env = append(env, kv)
		}
	}
	return env
}

// runCLI runs one flowgate command against the test's database and
// returns its standard output; a non-zero exit fails the test with both
// streams.
func runCLI(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = childEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("flowgate %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// servingLine is what serve prints once it listens.
var servingLine = regexp.MustCompile(`Flowgate is serving (http://\S+)`)

// replica is one `flowgate serve` process, restartable with the same
// arguments; its URL changes on a restart (port 0).
type replica struct {
	name string
	bin  string
	args []string
	logs *tailBuffer // stderr of every incarnation

	mu     sync.Mutex
	cmd    *exec.Cmd
	url    string
	exited chan error // receives Wait's result once per incarnation
	starts int
}

func newReplica(name, bin string, args []string) *replica {
	return &replica{name: name, bin: bin, args: args, logs: newTailBuffer(64 << 10)}
}

// URL returns the replica's current base URL.
func (r *replica) URL() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.url
}

// start launches the process and waits for its serving line (not for
// readiness: see waitReady).
func (r *replica) start() error {
	cmd := exec.Command(r.bin, r.args...)
	cmd.Env = childEnv()
	cmd.Stderr = r.logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: start: %w", r.name, err)
	}
	r.mu.Lock()
	r.starts++
	fmt.Fprintf(r.logs, "--- %s: start %d, pid %d\n", r.name, r.starts, cmd.Process.Pid)
	r.mu.Unlock()
	urls := make(chan string, 1)
	exited := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		exited <- cmd.Wait()
	}()
	select {
	case url := <-urls:
		r.mu.Lock()
		r.cmd, r.url, r.exited = cmd, url, exited
		r.mu.Unlock()
		return nil
	case err := <-exited:
		return fmt.Errorf("%s exited before serving: %v\n%s", r.name, err, r.logs.String())
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("%s printed no serving line within 60 s\n%s", r.name, r.logs.String())
	}
}

// waitReady polls /readyz until it answers 200: the database answers and
// every migration is applied.
func (r *replica) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	url := r.URL() + "/readyz"
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s: %s never answered 200", r.name, url)
}

// signal sends sig and waits up to wait for the process to exit,
// returning Wait's error (nil: exit status 0).
func (r *replica) signal(sig syscall.Signal, wait time.Duration) error {
	r.mu.Lock()
	cmd, exited := r.cmd, r.exited
	r.mu.Unlock()
	if cmd == nil {
		return fmt.Errorf("%s is not running", r.name)
	}
	fmt.Fprintf(r.logs, "--- %s: %v sent to pid %d\n", r.name, sig, cmd.Process.Pid)
	if err := cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("%s: %v: %w", r.name, sig, err)
	}
	select {
	case err := <-exited:
		r.mu.Lock()
		r.cmd = nil
		r.mu.Unlock()
		return err
	case <-time.After(wait):
		return fmt.Errorf("%s did not exit within %v of %v", r.name, wait, sig)
	}
}

// stopForGood kills the process if it still runs (test cleanup).
func (r *replica) stopForGood() {
	r.mu.Lock()
	cmd, exited := r.cmd, r.exited
	r.cmd = nil
	r.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Kill()
		<-exited
	}
}

// startReplicas starts every replica at the same time (on an empty schema
// they race for the migration lock) and waits until each is ready.
func startReplicas(t *testing.T, rs []*replica) {
	t.Helper()
	errs := make([]error, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		t.Cleanup(r.stopForGood)
		wg.Go(func() {
			if errs[i] = r.start(); errs[i] == nil {
				errs[i] = r.waitReady(t.Context())
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// tailBuffer keeps the last max bytes written to it; safe for concurrent
// use (exec copies stderr from its own goroutine).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if over := len(w.b) - w.max; over > 0 {
		w.b = append(w.b[:0], w.b[over:]...)
	}
	return len(p), nil
}

func (w *tailBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.b)
}
