package replicatest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/flowgate/flowgate/action/webhook"
)

// sink is the receiver of every webhook action: it checks each request's
// signature and run key, answers 500 to the first delivery of about one
// run key in failEvery (so the workers' retries are part of the test), and
// counts deliveries by run key: the receiver's deduplication is counting
// distinct keys, as a real receiver would store them.
type sink struct {
	secret    string
	failEvery uint32
	srv       *httptest.Server

	mu       sync.Mutex
	ok       map[string]int // 2xx answers by run key
	failed   map[string]int // deliberate 500 answers by run key
	rejected []string       // requests refused as malformed: each one is a failure
}

func newSink(t *testing.T, secret string, failEvery uint32) *sink {
	t.Helper()
	s := &sink{secret: secret, failEvery: failEvery, ok: map[string]int{}, failed: map[string]int{}}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is where webhook actions post.
func (s *sink) URL() string { return s.srv.URL + "/hook" }

// failsFirst reports whether the first delivery of key is answered 500.
func (s *sink) failsFirst(key string) bool {
	if s.failEvery == 0 {
		return false
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return h.Sum32()%s.failEvery == 0
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	key := r.Header.Get(webhook.HeaderRunKey)
	var doc struct {
		RunKey string `json:"run_key"`
	}
	problem := ""
	switch {
	case key == "":
		problem = "no " + webhook.HeaderRunKey + " header"
	case r.Header.Get("Idempotency-Key") != key:
		problem = fmt.Sprintf("Idempotency-Key %q differs from the run key", r.Header.Get("Idempotency-Key"))
	case json.Unmarshal(body, &doc) != nil || doc.RunKey != key:
		problem = fmt.Sprintf("body run_key %q differs from the header", doc.RunKey)
	default:
		if err := webhook.Verify(s.secret, r.Header, body, 10*time.Minute, time.Now()); err != nil {
			problem = err.Error()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if problem != "" {
		// 400 is a permanent failure: the run goes dead and the drain
		// check names it too.
		s.rejected = append(s.rejected, fmt.Sprintf("run %s: %s", key, problem))
		http.Error(w, problem, http.StatusBadRequest)
		return
	}
	if s.failsFirst(key) && s.failed[key] == 0 {
		s.failed[key]++
		http.Error(w, "deliberate first-attempt failure", http.StatusInternalServerError)
		return
	}
	s.ok[key]++
	w.WriteHeader(http.StatusNoContent)
}

// snapshot copies the counters.
func (s *sink) snapshot() (ok, failed map[string]int, rejected []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok, failed = make(map[string]int, len(s.ok)), make(map[string]int, len(s.failed))
	for k, v := range s.ok {
		ok[k] = v
	}
	for k, v := range s.failed {
		failed[k] = v
	}
	return ok, failed, append([]string(nil), s.rejected...)
}
