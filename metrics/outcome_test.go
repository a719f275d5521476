package metrics

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/flowgate/flowgate/flowtype"
)

func TestOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{flowtype.Refuse(flowtype.CodeConflict, "lost"), "conflict"},
		{fmt.Errorf("wrapped: %w", flowtype.Refuse(flowtype.CodeNotAssignee, "")), "forbidden"},
		{flowtype.Refuse(flowtype.CodeSelfApprovalForbidden, ""), "forbidden"},
		{flowtype.NotFound("instance", "i1"), "not_found"},
		{flowtype.NewValidationError("reason", "required"), "invalid"},
		{flowtype.Refuse(flowtype.CodeFormInvalid, ""), "invalid"},
		{flowtype.Refuse(flowtype.CodeNotInProgress, ""), "invalid_transition"},
		{flowtype.Refuse(flowtype.CodePreconditionFailed, ""), "precondition_failed"},
		{flowtype.Refuse(flowtype.CodeIdempotencyMismatch, ""), "idempotency_mismatch"},
		{flowtype.Refuse("some_new_code", ""), "refused"},
		{fmt.Errorf("begin: %w", context.Canceled), "canceled"},
		{context.DeadlineExceeded, "canceled"},
		{errors.New("connection refused"), "error"},
	}
	for _, tt := range tests {
		if got := outcome(tt.err); got != tt.want {
			t.Errorf("outcome(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestOutcomesCoverEveryCode keeps the map in step with the codes a
// client can see: a new code must be given a class.
func TestOutcomesCoverEveryCode(t *testing.T) {
	t.Parallel()
	for _, c := range []flowtype.Code{
		flowtype.CodeNotFound, flowtype.CodeValidationFailed, flowtype.CodePreconditionFailed, flowtype.CodeConflict,
		flowtype.CodeNotInProgress, flowtype.CodeNotAssignee, flowtype.CodeNotStarter, flowtype.CodeReasonRequired,
		flowtype.CodeInvalidTargetStage, flowtype.CodeInvalidDelegate, flowtype.CodeSelfApprovalForbidden,
		flowtype.CodeFormInvalid, flowtype.CodeNoActiveApprover, flowtype.CodeWorkflowInactive,
		flowtype.CodeWorkflowIncomplete, flowtype.CodeWorkflowNotAllowed, flowtype.CodeAlreadyAttached,
		flowtype.CodeAlreadyStarted, flowtype.CodeNotAwaitingResubmission, flowtype.CodeIdempotencyMismatch,
	} {
		if _, ok := outcomes[c]; !ok {
			t.Errorf("code %s has no outcome class", c)
		}
	}
}
