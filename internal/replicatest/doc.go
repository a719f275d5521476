// Package replicatest holds the end-to-end test of Flowgate's scale-out
// promise (issue 8, "many replicas"): three `flowgate serve` processes of
// the real binary share one PostgreSQL schema under a load of concurrent
// decisions, one of them is killed with SIGKILL mid-run and restarted, and
// afterwards no decision is lost or doubled, no instance advanced twice,
// every action ran, and cleanup still works.
//
// It has no code of its own: everything is in the _test.go files. Run it
// with
//
//	FLOWGATE_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	    go test -count=1 -run TestReplicas -v ./internal/replicatest/
package replicatest
