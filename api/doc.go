// Package api is Flowgate's HTTP API (shared/spec/API.md): a standard
// net/http ServeMux with huma v2 operations, one file per resource holding
// its request and response types, the one mapping of engine errors to RFC
// 9457 problems (problem.go), and the OpenAPI 3.1 document generated from
// the types (served at /openapi.json, golden-tested).
//
//	srv, err := api.New(ctx, engine, &api.Config{})
//	http.ListenAndServe("127.0.0.1:8080", srv)
//
// Every /api/ route takes a bearer credential: an API key (see
// flowgate.Engine.CreateAPIKey) or, when configured, an OIDC ID token.
// Handlers are scoped to the credential's tenant: another tenant's id is a
// 404. Admin keys change definitions and the directory; act_as keys act
// for the user named by the Flowgate-Acting-User header; decisions are the
// engine's, which allows only assignees.
//
// Definition bodies are read by package definition (the original's
// payloads, strictly, every problem at its path); the other bodies by a
// strict decoder that names unknown members. Handlers check that what the
// path names exists before they read the body, so another tenant's id is
// a 404 whatever the body (SEMANTICS §3.9's order).
//
// The package imports the root package and never store/*.
package api
