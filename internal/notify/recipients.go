package notify

import (
	"context"
	"errors"
	"net/mail"
	"strings"

	"github.com/flowgate/flowgate/flowtype"
)

// Recipient types, as the original names them (plural forms accepted).
const (
	RecipientCreator          = "creator"
	RecipientWorkflowStarter  = "workflow_starter"
	RecipientCurrentApprover  = "current_approver"
	RecipientNextApprovers    = "next_approvers"
	RecipientDelegatedTo      = "delegated_to"
	recipientCurrentApprovers = "current_approvers"
	recipientNextApprover     = "next_approver"
	recipientStarter          = "starter"
)

// Recipient is one address a message goes to.
type Recipient struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
	// UserID is empty for a literal address.
	UserID string `json:"user_id,omitempty"`
	// Locale is the user's locale ("" for a literal address).
	Locale string `json:"locale,omitempty"`
}

// Skip is a user who gets no message, and why: "no_address", "inactive"
// or "unknown".
type Skip struct {
	UserID string `json:"user_id"`
	Reason string `json:"reason"`
}

// Resolved is the outcome of Resolve.
type Resolved struct {
	Recipients []Recipient `json:"recipients"`
	Skipped    []Skip      `json:"skipped,omitempty"`
}

// Facts are what the recipient types refer to, for one event.
type Facts struct {
	// Creator is the subject's creator, else the starter.
	Creator string
	Starter string
	// DelegatedTo is the delegate of an after_delegate event.
	DelegatedTo      string
	CurrentApprovers func(ctx context.Context) ([]string, error)
	NextApprovers    func(ctx context.Context) ([]string, error)
	// User reads a user; an unknown id matches flowtype.ErrNotFound.
	User func(ctx context.Context, id string) (*flowtype.User, error)
}

// Resolve turns recipient specs (a type, a literal address or a user id)
// into addresses, each at most once (compared case-insensitively), in the
// order first named. Users without an address, inactive or unknown users
// are skipped and listed, each once.
func Resolve(ctx context.Context, specs []string, f Facts) (*Resolved, error) {
	res := &Resolved{Recipients: []Recipient{}}
	seenAddr := map[string]bool{}
	seenUser := map[string]bool{}
	addUser := func(id string) error {
		if id == "" || seenUser[id] {
			return nil
		}
		seenUser[id] = true
		u, err := f.User(ctx, id)
		switch {
		case errors.Is(err, flowtype.ErrNotFound):
			res.Skipped = append(res.Skipped, Skip{UserID: id, Reason: "unknown"})
			return nil
		case err != nil:
			return err
		case !u.IsActive:
			res.Skipped = append(res.Skipped, Skip{UserID: id, Reason: "inactive"})
			return nil
		case strings.TrimSpace(u.Email) == "":
			res.Skipped = append(res.Skipped, Skip{UserID: id, Reason: "no_address"})
			return nil
		}
		addr := strings.TrimSpace(u.Email)
		if key := strings.ToLower(addr); !seenAddr[key] {
			seenAddr[key] = true
			res.Recipients = append(res.Recipients, Recipient{Address: addr, Name: u.Name, UserID: id, Locale: u.Locale})
		}
		return nil
	}
	addUsers := func(list func(context.Context) ([]string, error)) error {
		if list == nil {
			return nil
		}
		ids, err := list(ctx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := addUser(id); err != nil {
				return err
			}
		}
		return nil
	}
	for _, spec := range specs {
		spec = strings.TrimSpace(spec)
		var err error
		switch strings.ToLower(spec) {
		case "":
		case RecipientCreator:
			err = addUser(f.Creator)
		case RecipientWorkflowStarter, recipientStarter:
			err = addUser(f.Starter)
		case RecipientCurrentApprover, recipientCurrentApprovers:
			err = addUsers(f.CurrentApprovers)
		case RecipientNextApprovers, recipientNextApprover:
			err = addUsers(f.NextApprovers)
		case RecipientDelegatedTo:
			err = addUser(f.DelegatedTo)
		default:
			if strings.Contains(spec, "@") {
				a, perr := mail.ParseAddress(spec)
				if perr != nil {
					res.Skipped = append(res.Skipped, Skip{UserID: spec, Reason: "invalid_address"})
					continue
				}
				if key := strings.ToLower(a.Address); !seenAddr[key] {
					seenAddr[key] = true
					res.Recipients = append(res.Recipients, Recipient{Address: a.Address, Name: a.Name})
				}
				continue
			}
			err = addUser(strings.TrimPrefix(spec, "user:"))
		}
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Language maps a locale ("ar", "ar-EG", "en_US") to a template language:
// its primary subtag, lower-cased; def when empty.
func Language(locale, def string) string {
	l := strings.ToLower(strings.TrimSpace(locale))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if l == "" {
		return def
	}
	return l
}
