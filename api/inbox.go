package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
)

// InboxItem is an open task of the acting user with what they need to
// decide.
type InboxItem struct {
	Task
	InstanceID      string          `json:"instance_id"`
	InstanceStatus  string          `json:"instance_status"`
	InstanceVersion int             `json:"instance_version"`
	WorkflowID      string          `json:"workflow_id"`
	WorkflowVersion int             `json:"workflow_version"`
	WorkflowName    definition.Name `json:"workflow_name"`
	Pipeline        *NodeRef        `json:"pipeline"`
	Stage           *NodeRef        `json:"stage"`
	Subject         InboxSubject    `json:"subject"`
}

// InboxSubject is the subject of an inbox item.
type InboxSubject struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

type inboxInput struct {
	PageParams
	WorkflowID  string `query:"workflow_id"`
	SubjectType string `query:"subject_type"`
	StageID     string `query:"stage_id"`
}

func (s *Server) inboxRoutes() {
	register(s, huma.Operation{
		OperationID: "inbox", Method: http.MethodGet, Path: "/api/v1/inbox", Tags: []string{"Instances"},
		Summary: "The acting user's current tasks (direct, through roles, through delegation), newest first",
	}, nil, s.inbox)
}

func (s *Server) inbox(ctx context.Context, in *inboxInput) (*struct{ Body *Page[InboxItem] }, error) {
	p := principalFrom(ctx)
	before, err := in.after("i")
	if err != nil {
		return nil, err
	}
	items, err := s.e.Inbox(ctx, p.TenantID, p.UserID, &flowgate.InboxParams{
		WorkflowID: in.WorkflowID, SubjectType: in.SubjectType, StageID: in.StageID, BeforeID: before, Limit: in.limit(),
	})
	if err != nil {
		return nil, err
	}
	defs := map[string]*definition.Workflow{}
	page := &Page[InboxItem]{Items: make([]InboxItem, 0, len(items))}
	for _, it := range items {
		key := it.WorkflowID + "@" + strconv.Itoa(it.WorkflowVersion)
		def, ok := defs[key]
		if !ok {
			if d, err := s.e.GetWorkflowVersion(ctx, p.TenantID, it.WorkflowID, it.WorkflowVersion); err == nil {
				def = d.Definition
			}
			defs[key] = def
		}
		item := InboxItem{
			Task: taskOf(it.Task), InstanceID: it.Task.InstanceID, InstanceStatus: string(it.InstanceStatus),
			InstanceVersion: it.InstanceVersion, WorkflowID: it.WorkflowID, WorkflowVersion: it.WorkflowVersion,
			WorkflowName: definition.Name{},
			Subject:      InboxSubject{Type: it.SubjectType, ID: it.SubjectID, Data: objectOr(it.SubjectData)},
		}
		if def != nil {
			item.WorkflowName = def.Name
			if pl := def.FindPipeline(it.Task.PipelineID); pl != nil {
				item.Pipeline = nodeRef(&flowgate.NodeRef{ID: pl.ID, Name: pl.Name, Order: pl.Order})
			}
			if _, st := def.FindStage(it.Task.StageID); st != nil {
				item.Stage = nodeRef(&flowgate.NodeRef{ID: st.ID, Name: st.Name, Order: st.Order})
			}
		}
		page.Items = append(page.Items, item)
	}
	if n := len(items); n > 0 {
		page.NextCursor = nextCursor("i", n == in.limit(), items[n-1].Task.ID)
	}
	return &struct{ Body *Page[InboxItem] }{page}, nil
}
