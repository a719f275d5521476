// Package examples embeds the example definition files, so that the
// binary's demo (flowgate serve --demo) needs no file on disk.
package examples

import "embed"

// FS holds the Purchase Request example and its directory.
//
//go:embed purchase-request.yaml directory/purchase-request.yaml
var FS embed.FS
