package flowgate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// SubjectInput names the business object an instance runs on.
type SubjectInput struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	// Data, when given, replaces the stored document (conditions read it).
	Data json.RawMessage `json:"data,omitempty"`
	// Status and CreatedBy are taken on the subject's first attach.
	Status    map[string]string `json:"status,omitempty"`
	CreatedBy string            `json:"created_by,omitempty"`
}

// AttachParams attaches a workflow to a subject.
type AttachParams struct {
	// Actor is the attaching user; they become the starter.
	Actor   string
	Subject SubjectInput
	// WorkflowID names the workflow; empty uses the subject type's
	// auto-start rule.
	WorkflowID string
	// AutoStart starts the instance in the same transaction. Defaults to
	// true.
	AutoStart *bool
	// Metadata is stored verbatim.
	Metadata       json.RawMessage
	IdempotencyKey string
}

// Attach creates an instance of a workflow's current version on a subject
// and, unless AutoStart is false, starts it. Refusals, in this order:
// not_found, validation_failed, permission_denied (Config.Permissions),
// workflow_incomplete, workflow_inactive, workflow_not_allowed,
// already_attached, then start's.
func (e *Engine) Attach(ctx context.Context, tenantID string, p *AttachParams) (*InstanceView, error) {
	return e.attach(ctx, nil, tenantID, p)
}

// AttachTx is Attach inside the caller's transaction.
func (e *Engine) AttachTx(ctx context.Context, tx *sql.Tx, tenantID string, p *AttachParams) (*InstanceView, error) {
	return e.attach(ctx, tx, tenantID, p)
}

func (e *Engine) attach(ctx context.Context, tx *sql.Tx, tenantID string, p *AttachParams) (*InstanceView, error) {
	if p == nil {
		return nil, flowtype.NewValidationError("", "attach parameters are required")
	}
	if err := checkAttachInput(p); err != nil {
		return nil, err
	}
	key := idemKey{tenant: tenantID, user: p.Actor, key: p.IdempotencyKey}
	hash := key.requestHash("attach", "", p)
	var cw *compiledWorkflow
	v, err := e.command(ctx, tx, Command{Kind: CommandAttach}, tenantID, p.Actor, key, hash, func(r *run) error {
		if err := r.attach(p); err != nil {
			return err
		}
		cw = r.cw
		return nil
	})
	if err == nil && tx == nil && cw != nil {
		// The new instance pinned the version, and its transaction
		// committed: from now on the version never changes.
		e.defs.put(tenantID, v.Instance.WorkflowID, cw)
	}
	return v, err
}

func checkAttachInput(p *AttachParams) error {
	verr := &flowtype.ValidationError{}
	if p.Actor == "" {
		verr.Add("actor", "the attaching user is required")
	}
	if p.Subject.Type == "" {
		verr.Add("subject.type", "subject type is required")
	}
	if p.Subject.ID == "" {
		verr.Add("subject.id", "subject id is required")
	}
	if len(p.Subject.Data) > 0 && !isJSONObject(p.Subject.Data) {
		verr.Add("subject.data", "subject data must be a JSON object")
	}
	if len(p.Metadata) > 0 && !isJSONObject(p.Metadata) {
		verr.Add("metadata", "metadata must be a JSON object")
	}
	return verr.Err()
}

func isJSONObject(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && m != nil
}

func (r *run) attach(p *AttachParams) error {
	ctx, x := r.ctx, r.x
	if _, err := x.UserGet(ctx, r.tenant, p.Actor); err != nil {
		return err
	}
	st, err := x.SubjectTypeGet(ctx, r.tenant, p.Subject.Type)
	if err != nil && !isNotFound(err) {
		return err
	}
	subj, err := x.SubjectGet(ctx, r.tenant, p.Subject.Type, p.Subject.ID)
	if err != nil && !isNotFound(err) {
		return err
	}
	data := p.Subject.Data
	if len(data) == 0 && subj != nil {
		data = subj.Data
	}
	wfID := p.WorkflowID
	if wfID == "" {
		if wfID, err = r.autoStartWorkflow(st, data); err != nil {
			return err
		}
	}
	row, err := x.WorkflowGet(ctx, r.tenant, wfID)
	if err != nil {
		return err
	}
	if err := r.mayStart(); err != nil {
		return err
	}
	// A version an instance already pinned never changes: take it, compiled,
	// from the cache rather than decoding the document again.
	cw, cached := r.e.defs.get(r.tenant, wfID, row.CurrentVersion)
	var def *definition.Workflow
	if cached {
		def = cw.def
	} else if def, err = readDefinition(ctx, x, row, row.CurrentVersion); err != nil {
		return err
	}
	if ok, msg := definition.Completeness(def); !ok {
		return flowtype.Refuse(flowtype.CodeWorkflowIncomplete, msg)
	}
	if !row.IsActive {
		return flowtype.Refuse(flowtype.CodeWorkflowInactive, fmt.Sprintf(
			"Workflow '%s' is not active and cannot be attached. Please activate the workflow before attaching it to objects.",
			def.Name.Default()))
	}
	if st != nil && len(st.Workflows) > 0 && !contains(st.Workflows, wfID) {
		return flowtype.Refuse(flowtype.CodeWorkflowNotAllowed, fmt.Sprintf(
			"Workflow '%s' is not allowed for subject type '%s'", def.Name.Default(), p.Subject.Type))
	}
	active, err := x.InstanceGetBySubject(ctx, r.tenant, p.Subject.Type, p.Subject.ID)
	if err != nil && !isNotFound(err) {
		return err
	}
	if active != nil && !active.Status.Finished() {
		return flowtype.Refuse(flowtype.CodeAlreadyAttached, fmt.Sprintf(
			"Subject %s/%s already has an active workflow instance", p.Subject.Type, p.Subject.ID))
	}
	if subj == nil || len(p.Subject.Data) > 0 || p.Subject.Status != nil || p.Subject.CreatedBy != "" {
		subj, err = x.SubjectUpsert(ctx, &store.SubjectUpsertParams{
			TenantID: r.tenant, Type: p.Subject.Type, ID: p.Subject.ID, Data: rawOrEmptyObject(data),
			Status: p.Subject.Status, CreatedBy: p.Subject.CreatedBy,
		})
		if err != nil {
			return err
		}
	}
	r.subject, r.subjectLoad = subj, true
	if !cached {
		cw = compileWorkflow(def, row.CurrentVersion)
	}
	r.cw = cw
	r.isNew = true
	r.inst = &flowtype.Instance{
		TenantID: r.tenant, ID: newID(), SubjectType: p.Subject.Type, SubjectID: p.Subject.ID,
		WorkflowID: wfID, WorkflowVersion: row.CurrentVersion, Status: flowtype.StatusNotStarted,
		StartedBy: p.Actor, Metadata: p.Metadata, Version: 1, NextSeq: 1, CreatedAt: r.now,
	}
	if p.AutoStart == nil || *p.AutoStart {
		return r.start()
	}
	return nil
}

// autoStartWorkflow applies the subject type's auto-start rule.
func (r *run) autoStartWorkflow(st *flowtype.SubjectType, data json.RawMessage) (string, error) {
	if st == nil || st.AutoStart == nil || st.AutoStart.WorkflowID == "" {
		return "", flowtype.RefuseField(flowtype.CodeValidationFailed, "workflow_id",
			"workflow_id is required: the subject type has no auto-start rule")
	}
	src, err := ConditionsToCEL(st.AutoStart.Conditions)
	if err != nil {
		return "", flowtype.RefuseField(flowtype.CodeValidationFailed, "workflow_id", err.Error())
	}
	if ok, evaluated := r.e.conds.eval(src, data, nil); !ok || !evaluated {
		return "", flowtype.RefuseField(flowtype.CodeValidationFailed, "workflow_id",
			"workflow_id is required: the subject does not meet the auto-start conditions")
	}
	return st.AutoStart.WorkflowID, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// start moves a not_started instance to its first level (SEMANTICS §3.2).
func (r *run) start() error {
	r.decision = true
	r.inst.Status = flowtype.StatusInProgress
	now := r.now
	r.inst.StartedAt = &now
	k, err := r.enter(0)
	if err != nil {
		return err
	}
	if k < 0 {
		last := len(r.cw.units) - 1
		r.event(flowtype.EventWorkflowStart, 0, nil)
		return r.complete(last)
	}
	// on_workflow_start must precede every other event of the command.
	r.event(flowtype.EventWorkflowStart, k, nil)
	return nil
}

// StartOpts are the optional parts of Start.
type StartOpts struct {
	IfVersion      int
	IdempotencyKey string
}

// Start starts an instance attached with AutoStart false. Only the starter
// may; refusals: already_started, not_starter, permission_denied
// (Config.Permissions), no_active_approver.
func (e *Engine) Start(ctx context.Context, tenantID, instanceID, actor string, opts *StartOpts) (*InstanceView, error) {
	return e.startInstance(ctx, nil, tenantID, instanceID, actor, opts)
}

// StartTx is Start inside the caller's transaction.
func (e *Engine) StartTx(ctx context.Context, tx *sql.Tx, tenantID, instanceID, actor string, opts *StartOpts) (*InstanceView, error) {
	return e.startInstance(ctx, tx, tenantID, instanceID, actor, opts)
}

func (e *Engine) startInstance(ctx context.Context, tx *sql.Tx, tenantID, instanceID, actor string, opts *StartOpts) (*InstanceView, error) {
	if opts == nil {
		opts = &StartOpts{}
	}
	key := idemKey{tenant: tenantID, user: actor, key: opts.IdempotencyKey}
	hash := key.requestHash("start", instanceID, opts.IfVersion)
	return e.command(ctx, tx, Command{Kind: CommandStart, InstanceID: instanceID}, tenantID, actor, key, hash, func(r *run) error {
		if err := r.load(instanceID); err != nil {
			return err
		}
		if opts.IfVersion != 0 && opts.IfVersion != r.oldVersion {
			return flowtype.Refuse(flowtype.CodePreconditionFailed,
				fmt.Sprintf("Instance version is %d, not %d", r.oldVersion, opts.IfVersion))
		}
		if r.inst.Status != flowtype.StatusNotStarted {
			return flowtype.Refuse(flowtype.CodeAlreadyStarted, fmt.Sprintf(
				"Workflow already started (status: %s). Cannot start a workflow that is already in progress.", r.inst.Status))
		}
		if actor != r.inst.StartedBy {
			return flowtype.Refuse(flowtype.CodeNotStarter, "Only the starter may start this workflow")
		}
		if err := r.mayStart(); err != nil {
			return err
		}
		return r.start()
	})
}
