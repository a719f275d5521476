package definition

import (
	"encoding/json"
	"strconv"
)

// MaxGeneratedStages bounds number_of_stages, so that a small payload
// cannot ask for an enormous definition.
const MaxGeneratedStages = 100

func (r *reader) workflow(raw json.RawMessage) (*Workflow, *Compat) {
	w := &Workflow{Strategy: StrategyPipelineStage, IsActive: true}
	compat := &Compat{}
	fields, _ := r.object("", raw, "a workflow definition")
	w.Name, fields = r.names("", fields)
	var orderGiven []bool
	for _, f := range fields {
		p := f.key
		switch f.key {
		case "id":
			w.ID = r.id(p, f.val)
		case "description":
			w.Description = r.description(p, f.val)
		case "strategy":
			if n, ok := r.integer(p, f.val); ok {
				w.Strategy = Strategy(n)
			}
		case "is_active":
			if v, ok := r.boolean(p, f.val); ok {
				w.IsActive = v
			}
		case "allow_self_approval":
			w.AllowSelfApproval, _ = r.boolean(p, f.val)
		case "workflow_info":
			w.Info = r.info(p, f.val)
		case "pipelines":
			items, _ := r.list(p, f.val)
			for i, item := range items {
				pl, given := r.pipeline(index(p, i), item)
				w.Pipelines = append(w.Pipelines, pl)
				orderGiven = append(orderGiven, given)
			}
		case "actions":
			w.Actions = r.actions(p, f.val)
		case "company":
			compat.Company = r.id(p, f.val)
		default:
			r.fail(p, "unknown field")
		}
	}
	r.fillOrders("pipelines", "pipelines", orderGiven, func(i, order int) { w.Pipelines[i].Order = order })
	return w, compat
}

// fillOrders numbers siblings 0, 1, 2… in list order when none gives an
// order. When only some do, guessing the others could silently reorder the
// run, so each missing one is reported instead.
func (r *reader) fillOrders(path, noun string, given []bool, set func(i, order int)) {
	some := false
	for _, g := range given {
		some = some || g
	}
	for i, g := range given {
		switch {
		case !some:
			set(i, i)
		case !g:
			r.fail(index(path, i)+".order", "order is required when other "+noun+" have an order")
		}
	}
}

func (r *reader) pipeline(path string, raw json.RawMessage) (Pipeline, bool) {
	var pl Pipeline
	fields, _ := r.object(path, raw, "a pipeline")
	pl.Name, fields = r.names(path, fields)
	var orderGiven, stagesGiven bool
	var stageOrders []bool
	generate := 0
	for _, f := range fields {
		p := join(path, f.key)
		switch f.key {
		case "id":
			pl.ID = r.id(p, f.val)
		case "order":
			pl.Order, _ = r.integer(p, f.val)
			orderGiven = !isNull(f.val)
		case "department":
			pl.Department = r.department(p, f.val, pl.Department)
		case "department_id":
			if id := r.id(p, f.val); id != "" {
				if pl.Department != nil {
					r.fail(p, "give department or department_id, not both")
				} else {
					pl.Department = &Department{ID: id}
				}
			}
		case "pipeline_info":
			pl.Info = r.info(p, f.val)
		case "stages":
			items, _ := r.list(p, f.val)
			stagesGiven = !isNull(f.val)
			for i, item := range items {
				s, given, _ := r.stage(index(p, i), item)
				pl.Stages = append(pl.Stages, s)
				stageOrders = append(stageOrders, given)
			}
		case "number_of_stages":
			if n, ok := r.integer(p, f.val); ok {
				if n < 1 || n > MaxGeneratedStages {
					r.fail(p, "number_of_stages must be between 1 and "+strconv.Itoa(MaxGeneratedStages))
				} else {
					generate = n
				}
			}
		case "actions":
			pl.Actions = r.actions(p, f.val)
		case "is_active":
			// The original's payloads may send it; a pipeline has no switch
			// of its own, so only the value that changes nothing is taken.
			if v, ok := r.boolean(p, f.val); ok && !v {
				r.fail(p, "a pipeline cannot be inactive: set is_active on its stages")
			}
		default:
			r.fail(p, "unknown field")
		}
	}
	r.fillOrders(join(path, "stages"), "stages", stageOrders, func(i, order int) { pl.Stages[i].Order = order })
	if generate > 0 {
		if stagesGiven {
			r.fail(join(path, "number_of_stages"), "give stages or number_of_stages, not both")
		} else {
			pl.Stages = generatedStages(generate)
		}
	}
	return pl, orderGiven
}

// generatedStages are the original's number_of_stages stages.
func generatedStages(n int) []Stage {
	stages := make([]Stage, n)
	for i := range stages {
		k := strconv.Itoa(i + 1)
		stages[i] = Stage{
			Name:     Name{"en": "Stage " + k, "ar": "المرحلة " + k},
			Order:    i,
			IsActive: true,
			Info:     Info{Color: DefaultStageColor},
		}
	}
	return stages
}

func (r *reader) department(path string, raw json.RawMessage, prev *Department) *Department {
	fields, ok := r.object(path, raw, "department")
	if !ok || isNull(raw) {
		return prev
	}
	if prev != nil {
		r.fail(path, "give department or department_id, not both")
	}
	d := &Department{}
	for _, f := range fields {
		p := join(path, f.key)
		switch f.key {
		case "type":
			d.Type = r.str(p, f.val)
		case "id":
			d.ID = r.id(p, f.val)
		default:
			r.fail(p, "unknown field")
		}
	}
	return d
}

// stage also returns whether the order was given and the original's
// pipeline_id.
func (r *reader) stage(path string, raw json.RawMessage) (Stage, bool, string) {
	s := Stage{IsActive: true}
	fields, _ := r.object(path, raw, "a stage")
	s.Name, fields = r.names(path, fields)
	var orderGiven bool
	var pipelineID string
	for _, f := range fields {
		p := join(path, f.key)
		switch f.key {
		case "id":
			s.ID = r.id(p, f.val)
		case "order":
			s.Order, _ = r.integer(p, f.val)
			orderGiven = !isNull(f.val)
		case "is_active":
			if v, ok := r.boolean(p, f.val); ok {
				s.IsActive = v
			}
		case "stage_info":
			s.Info = r.info(p, f.val)
		case "actions":
			s.Actions = r.actions(p, f.val)
		case "pipeline_id":
			pipelineID = r.id(p, f.val)
		default:
			r.fail(p, "unknown field")
		}
	}
	if s.Info.Color == "" {
		s.Info.Color = DefaultStageColor
	}
	return s, orderGiven, pipelineID
}
