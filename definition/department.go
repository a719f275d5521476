package definition

// DefaultDepartmentType records typ as the type of every pipeline
// department of w saved without one (an id given as department_id, or a
// department with an empty type): the host application's department type,
// the original's DEPARTMENT_MODEL. A department naming its own type keeps
// it; an empty typ changes nothing.
func DefaultDepartmentType(w *Workflow, typ string) {
	if typ == "" {
		return
	}
	for i := range w.Pipelines {
		if d := w.Pipelines[i].Department; d != nil && d.Type == "" {
			d.Type = typ
		}
	}
}
