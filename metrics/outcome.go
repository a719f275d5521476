package metrics

import (
	"context"
	"errors"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// outcomes maps refusal codes to the outcome label: the classes of
// API.md (the HTTP status a client sees), with validation_failed and
// form_invalid together as invalid. A code missing here is "refused".
var outcomes = map[flowtype.Code]string{
	flowtype.CodeNotFound:                "not_found",
	flowtype.CodeValidationFailed:        "invalid",
	flowtype.CodeReasonRequired:          "invalid",
	flowtype.CodeInvalidTargetStage:      "invalid",
	flowtype.CodeInvalidDelegate:         "invalid",
	flowtype.CodeFormInvalid:             "invalid",
	flowtype.CodeWorkflowInactive:        "invalid_transition",
	flowtype.CodeWorkflowIncomplete:      "invalid_transition",
	flowtype.CodeWorkflowNotAllowed:      "invalid_transition",
	flowtype.CodeAlreadyAttached:         "invalid_transition",
	flowtype.CodeAlreadyStarted:          "invalid_transition",
	flowtype.CodeNotInProgress:           "invalid_transition",
	flowtype.CodeNotAwaitingResubmission: "invalid_transition",
	flowtype.CodeNoActiveApprover:        "invalid_transition",
	flowtype.CodeNotAssignee:             "forbidden",
	flowtype.CodeNotStarter:              "forbidden",
	flowtype.CodeSelfApprovalForbidden:   "forbidden",
	flowtype.CodePermissionDenied:        "forbidden",
	flowtype.CodeConflict:                "conflict",
	flowtype.CodePreconditionFailed:      "precondition_failed",
	flowtype.CodeIdempotencyMismatch:     "idempotency_mismatch",
}

// outcome is the outcome label of a command's error.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	if code := flowgate.CodeOf(err); code != "" {
		if o, ok := outcomes[code]; ok {
			return o
		}
		return "refused"
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "canceled"
	}
	return "error"
}

// actionLabels are the action label of each decision action: the verbs,
// shorter than the API's past participles.
var actionLabels = map[flowgate.Action]string{
	flowgate.ActionApprove:  "approve",
	flowgate.ActionReject:   "reject",
	flowgate.ActionSendBack: "send_back",
	flowgate.ActionResubmit: "resubmit",
	flowgate.ActionDelegate: "delegate",
	flowgate.ActionWithdraw: "withdraw",
}

func actionLabel(a flowgate.Action) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return "other"
}
