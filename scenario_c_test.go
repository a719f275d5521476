package flowgate_test

import (
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// Group C of SCENARIOS.md: progress and next stage.

func TestScenarioC01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.attachP("P", "42")
		requireNext(t, v, 0, "Finance", "BA")

		for _, step := range []struct {
			actor                   string
			progress                int
			nextPipeline, nextStage string
		}{
			{"r1", 25, "Management", "EA"},
			{"r2", 50, "Management", "FS"},
			{"mgr", 75, "", ""},
			{"dir", 100, "", ""},
		} {
			v = f.approve(v, step.actor)
			requireNext(t, v, step.progress, step.nextPipeline, step.nextStage)
			requireNext(t, f.get(v), step.progress, step.nextPipeline, step.nextStage)
		}
		requirePosition(t, v, flowtype.StatusCompleted, "", "")
		requirePosition(t, f.get(v), flowtype.StatusCompleted, "", "")

		p := must(f.e.SubjectProgress(f.ctx, acme, "purchase_request", "42"))
		if p.Status != flowtype.StatusCompleted || p.ProgressPercentage != 100 || p.NextStage != nil || p.CurrentStage != nil {
			t.Fatalf("subject progress: %+v", p)
		}
	})
}

func TestScenarioC02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		must(f.e.CreateWorkflow(f.ctx, acme, vDef(), nil))
		must(f.e.CreateWorkflow(f.ctx, acme, xDef(), nil))
		f.createP("")

		v := f.attach("V", "vendor", "7", "")
		if v.ProgressPercentage != 0 {
			t.Fatalf("V at start: %d", v.ProgressPercentage)
		}
		for i, step := range []struct {
			actor    string
			progress int
		}{{"r1", 33}, {"r2", 66}, {"mgr", 100}} {
			v = f.approve(v, step.actor)
			if v.ProgressPercentage != step.progress || f.get(v).ProgressPercentage != step.progress {
				t.Fatalf("V after approval %d: %d, want %d", i+1, v.ProgressPercentage, step.progress)
			}
		}

		x := f.attach("X", "expense", "9", "")
		if x.ProgressPercentage != 0 {
			t.Fatalf("X at start: %d", x.ProgressPercentage)
		}
		if x = f.approve(x, "mgr"); x.ProgressPercentage != 100 || x.Instance.Status != flowtype.StatusCompleted {
			t.Fatalf("X after mgr: %s %d", x.Instance.Status, x.ProgressPercentage)
		}

		notStarted := f.attachDeferred("P", "101")
		rejected := f.approveAll(f.attachP("P", "102"), "r1", "r2")
		rejected = must(f.tryReject(rejected, "mgr", "Not this year"))
		withdrawn := f.approve(f.attachP("P", "103"), "r1")
		withdrawn = must(f.tryWithdraw(withdrawn, "req"))

		for _, c := range []struct {
			id     string
			v      *flowgate.InstanceView
			status flowtype.Status
		}{
			{"101", notStarted, flowtype.StatusNotStarted},
			{"102", rejected, flowtype.StatusRejected},
			{"103", withdrawn, flowtype.StatusWithdrawn},
		} {
			got := f.get(c.v)
			if got.Instance.Status != c.status || got.ProgressPercentage != 0 {
				t.Fatalf("P/%s: %s %d, want %s 0", c.id, got.Instance.Status, got.ProgressPercentage, c.status)
			}
			p := must(f.e.SubjectProgress(f.ctx, acme, "purchase_request", c.id))
			if p.Status != c.status || p.ProgressPercentage != 0 {
				t.Fatalf("P/%s subject progress: %s %d", c.id, p.Status, p.ProgressPercentage)
			}
		}
	})
}

func TestScenarioC03(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", func(w *definition.Workflow) { stageOf(w, "BA").IsActive = false })
		v := f.attachP("P", "42")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		requireNext(t, v, 0, "Management", "EA")

		v = f.approve(v, "r1")
		requireEvents(t, v.Events, "after_approve", "after_move_pipeline", "after_move_stage")
		requireEventAt(t, v.Events[0], flowtype.EventAfterApprove, "Finance", "IR")
		requireEventAt(t, v.Events[1], flowtype.EventAfterMovePipeline, "Management", "EA")
		requireData(t, v.Events[1], "from_pipeline_id", "Finance")
		requireData(t, v.Events[1], "to_pipeline_id", "Management")
		requireEventAt(t, v.Events[2], flowtype.EventAfterMoveStage, "Management", "EA")
		requireData(t, v.Events[2], "from_stage_id", "IR")
		requireData(t, v.Events[2], "to_stage_id", "EA")
		requirePosition(t, v, flowtype.StatusInProgress, "Management", "EA")
		requireNext(t, v, 33, "Management", "FS") // 3 units
	})
}
