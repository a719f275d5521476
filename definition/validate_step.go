package definition

import (
	"fmt"
	"strings"
)

// Step messages, in the original's exact words.
const (
	MsgApprovalUserRequired = "approval_user is required for USER approval type"
	MsgUserRoleRequired     = "user_role is required for ROLE approval type"
	MsgSubmitNeedsForm      = "SUBMIT step_approval_type requires a required_form to be specified"
	MsgMoveForbidsForm      = "MOVE step_approval_type cannot have a required_form"
)

func (v *validator) step(path string, s *Step) {
	v.approver(path, s)
	v.roleStrategy(path, s)
	v.quorum(path, s)
	v.stepType(path, s)
	if s.Condition != "" && strings.TrimSpace(s.Condition) == "" {
		v.fail(join(path, "condition"), "condition must not be blank")
	}
}

func (v *validator) approver(path string, s *Step) {
	userPath, rolePath := join(path, "approval_user"), join(path, "user_role")
	switch s.ApprovalType {
	case "":
		v.fail(join(path, "approval_type"), "approval_type is required")
	case ApprovalUser:
		switch {
		case s.ApprovalUser == "":
			v.fail(userPath, MsgApprovalUserRequired)
		case v.dir != nil && !v.dir.UserExists(s.ApprovalUser):
			v.fail(userPath, fmt.Sprintf("User '%s' does not exist", s.ApprovalUser))
		}
	case ApprovalRole:
		switch {
		case s.UserRole == "":
			v.fail(rolePath, MsgUserRoleRequired)
		case v.dir != nil && !v.dir.RoleExists(s.UserRole):
			v.fail(rolePath, fmt.Sprintf("Role '%s' does not exist", s.UserRole))
		}
	case ApprovalSelfApproved:
	default:
		v.fail(join(path, "approval_type"), fmt.Sprintf(
			"Invalid approval_type: %s. Must be one of: %s (case-insensitive)",
			s.ApprovalType, strings.Join(approvalTypes, ", ")))
	}
	// An approver the step does not use would be silently ignored at run
	// time, which hides a mistyped approval_type.
	if s.ApprovalUser != "" && s.ApprovalType != ApprovalUser && oneOf(approvalTypes, s.ApprovalType) {
		v.fail(userPath, "approval_user is only for USER approval type")
	}
	if s.UserRole != "" && s.ApprovalType != ApprovalRole && oneOf(approvalTypes, s.ApprovalType) {
		v.fail(rolePath, "user_role is only for ROLE approval type")
	}
}

func (v *validator) roleStrategy(path string, s *Step) {
	if s.RoleSelectionStrategy == "" {
		return
	}
	p := join(path, "role_selection_strategy")
	switch {
	case s.ApprovalType != ApprovalRole:
		if oneOf(approvalTypes, s.ApprovalType) {
			v.fail(p, "role_selection_strategy is only for ROLE approval type")
		}
	case !oneOf(roleStrategies, s.RoleSelectionStrategy):
		v.fail(p, fmt.Sprintf(
			"Invalid role_selection_strategy: %s. Must be one of: %s (case-insensitive)",
			s.RoleSelectionStrategy, strings.Join(roleStrategies, ", ")))
	}
}

// quorum reports at the step itself because the problem is the pair of
// fields, not one of them.
func (v *validator) quorum(path string, s *Step) {
	count, percent := s.QuorumCount, s.QuorumPercent
	if s.ApprovalType != ApprovalRole || s.RoleSelectionStrategy != RoleQuorum {
		if count != nil || percent != nil {
			v.fail(path, "quorum_count and quorum_percent are only for the quorum role_selection_strategy")
		}
		return
	}
	switch {
	case count == nil && percent == nil:
		v.fail(path, "quorum role_selection_strategy requires quorum_count or quorum_percent")
	case count != nil && percent != nil:
		v.fail(path, "give quorum_count or quorum_percent, not both")
	case count != nil && *count < 1:
		v.fail(path, "quorum_count must be at least 1")
	case percent != nil && (*percent < 1 || *percent > 100):
		v.fail(path, "quorum_percent must be between 1 and 100")
	}
}

func (v *validator) stepType(path string, s *Step) {
	formPath := join(path, "required_form")
	kind := s.StepApprovalType
	if kind == "" {
		kind = StepApprove
	}
	switch {
	case !oneOf(stepApprovalKind, kind):
		v.fail(join(path, "step_approval_type"), fmt.Sprintf(
			"Invalid step_approval_type: %s. Must be one of: %s (case-insensitive)",
			kind, strings.Join(stepApprovalKind, ", ")))
	case kind == StepSubmit && s.RequiredForm == "":
		v.fail(formPath, MsgSubmitNeedsForm)
	case kind == StepMove && s.RequiredForm != "":
		v.fail(formPath, MsgMoveForbidsForm)
		return
	}
	if s.RequiredForm != "" && v.dir != nil && !v.dir.FormExists(s.RequiredForm) {
		v.fail(formPath, fmt.Sprintf("Form '%s' does not exist", s.RequiredForm))
	}
}
