package flowgate

import (
	"context"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// GetInstance reads an instance with its tasks, subject and progress.
// Returns ErrNotFound when the tenant has no such instance.
func (e *Engine) GetInstance(ctx context.Context, tenantID, id string) (*InstanceView, error) {
	inst, err := e.store.InstanceGet(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	return e.viewOf(ctx, e.store, inst)
}

// SubjectInstance returns the subject's active instance, else its newest.
// Returns ErrNotFound when the subject never had one.
func (e *Engine) SubjectInstance(ctx context.Context, tenantID, subjectType, subjectID string) (*InstanceView, error) {
	inst, err := e.store.InstanceGetBySubject(ctx, tenantID, subjectType, subjectID)
	if err != nil {
		return nil, err
	}
	return e.viewOf(ctx, e.store, inst)
}

// SubjectInstances lists every instance a subject had, oldest first.
func (e *Engine) SubjectInstances(ctx context.Context, tenantID, subjectType, subjectID string) ([]*flowtype.Instance, error) {
	return e.store.InstanceListBySubject(ctx, tenantID, subjectType, subjectID)
}

// GetSubject reads a subject.
func (e *Engine) GetSubject(ctx context.Context, tenantID, subjectType, subjectID string) (*flowtype.Subject, error) {
	return e.store.SubjectGet(ctx, tenantID, subjectType, subjectID)
}

func (e *Engine) viewOf(ctx context.Context, x store.Executor, inst *flowtype.Instance) (*InstanceView, error) {
	cw, err := e.defs.pinned(ctx, x, inst.TenantID, inst.WorkflowID, inst.WorkflowVersion)
	if err != nil {
		return nil, err
	}
	tasks, err := x.TaskListByInstance(ctx, inst.TenantID, inst.ID)
	if err != nil {
		return nil, err
	}
	subj, err := x.SubjectGet(ctx, inst.TenantID, inst.SubjectType, inst.SubjectID)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	return buildView(inst, cw, tasks, subj), nil
}

// Progress is the original's get_workflow_progress for a subject.
type Progress struct {
	Status             flowtype.Status `json:"status"`
	ProgressPercentage int             `json:"progress_percentage"`
	CurrentPipeline    *NodeRef        `json:"current_pipeline"`
	CurrentStage       *NodeRef        `json:"current_stage"`
	NextPipeline       *NodeRef        `json:"next_pipeline"`
	NextStage          *NodeRef        `json:"next_stage"`
	View               *InstanceView   `json:"-"`
}

// SubjectProgress reports a subject's progress; a subject with no instance
// reports not_started and 0 (SEMANTICS §3.7).
func (e *Engine) SubjectProgress(ctx context.Context, tenantID, subjectType, subjectID string) (*Progress, error) {
	v, err := e.SubjectInstance(ctx, tenantID, subjectType, subjectID)
	if isNotFound(err) {
		return &Progress{Status: flowtype.StatusNotStarted}, nil
	}
	if err != nil {
		return nil, err
	}
	return &Progress{
		Status: v.Instance.Status, ProgressPercentage: v.ProgressPercentage,
		CurrentPipeline: v.CurrentPipeline, CurrentStage: v.CurrentStage,
		NextPipeline: v.NextPipeline, NextStage: v.NextStage, View: v,
	}, nil
}

// HistoryParams pages through an instance's events.
type HistoryParams struct {
	AfterSeq int
	Limit    int
}

// History returns an instance's events, oldest first.
func (e *Engine) History(ctx context.Context, tenantID, instanceID string, p *HistoryParams) ([]*flowtype.Event, error) {
	if p == nil {
		p = &HistoryParams{}
	}
	if _, err := e.store.InstanceGet(ctx, tenantID, instanceID); err != nil {
		return nil, err
	}
	return e.store.EventList(ctx, &store.EventListParams{
		TenantID: tenantID, InstanceID: instanceID, AfterSeq: p.AfterSeq, Limit: p.Limit,
	})
}

// InboxParams filters a user's inbox.
type InboxParams struct {
	WorkflowID  string
	SubjectType string
	StageID     string
	BeforeID    string
	Limit       int
}

// Inbox lists the user's current tasks (direct, through roles, through
// delegation), newest first.
func (e *Engine) Inbox(ctx context.Context, tenantID, userID string, p *InboxParams) ([]*flowtype.InboxItem, error) {
	if p == nil {
		p = &InboxParams{}
	}
	return e.store.TaskListOpenByUser(ctx, &store.TaskListOpenByUserParams{
		TenantID: tenantID, UserID: userID, WorkflowID: p.WorkflowID, SubjectType: p.SubjectType,
		StageID: p.StageID, BeforeID: p.BeforeID, Limit: p.Limit,
	})
}

// NeedsAction reports whether the user holds a current task on the
// subject's active instance (the original's user_requires_action).
func (e *Engine) NeedsAction(ctx context.Context, tenantID, subjectType, subjectID, userID string) (bool, error) {
	inst, err := e.store.InstanceGetBySubject(ctx, tenantID, subjectType, subjectID)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if inst.Status != flowtype.StatusInProgress {
		return false, nil
	}
	tasks, err := e.store.TaskListByInstance(ctx, tenantID, inst.ID)
	if err != nil {
		return false, err
	}
	for _, t := range tasks {
		if t.Status == flowtype.TaskCurrent && t.Assignee == userID {
			return true, nil
		}
	}
	return false, nil
}
