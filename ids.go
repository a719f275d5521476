package flowgate

import "github.com/google/uuid"

// newID returns a time-ordered id (UUIDv7), so that ids sort by creation
// and index pages stay append-mostly.
func newID() string {
	return uuid.Must(uuid.NewV7()).String()
}
