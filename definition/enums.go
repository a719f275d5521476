package definition

import (
	"slices"
	"strings"

	"github.com/flowgate/flowgate/flowtype"
)

// The accepted values of each step enumeration, in the order messages
// list them.
var (
	approvalTypes    = []string{ApprovalUser, ApprovalRole, ApprovalSelfApproved}
	roleStrategies   = []string{RoleAnyone, RoleConsensus, RoleRoundRobin, RoleQuorum}
	stepApprovalKind = []string{StepApprove, StepSubmit, StepCheckInVerify, StepMove}
)

// IsActionType reports whether t is an event an action may run on.
func IsActionType(t string) bool {
	return flowtype.EventType(t).IsActionEvent()
}

func actionTypeList() string {
	names := make([]string, len(flowtype.ActionEvents))
	for i, e := range flowtype.ActionEvents {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}

func oneOf(values []string, v string) bool { return slices.Contains(values, v) }
