package api

import (
	"crypto/rand"
	"net/http"
)

// RequestIDHeader carries a request's id: taken from the request when it
// is sane, else made up, and always sent back in the response. Logs of
// the request (the access log line, the engine's logs while serving it)
// carry it as request_id.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds an incoming request id.
const maxRequestIDLen = 128

// requestID returns the request's own id when it is sane, else a new
// random one.
func requestID(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); saneRequestID(id) {
		return id
	}
	return rand.Text()
}

// saneRequestID accepts ids of 1 to 128 characters among letters, digits
// and - _ . : / + = @: enough for UUIDs, trace ids and the ids proxies
// make, and nothing that could forge a log line or a header.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '/', c == '+', c == '=', c == '@':
		default:
			return false
		}
	}
	return true
}
