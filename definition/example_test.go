package definition_test

import (
	"fmt"

	"github.com/flowgate/flowgate/definition"
)

func Example() {
	doc := []byte(`
name_en: Purchase Approval
name_ar: موافقة الشراء
strategy: 1
pipelines:
  - name: {en: Finance}
    stages:
      - name: {en: Initial Review}
        stage_info:
          approvals:
            - {approval_type: USER, approval_user: 17}
      - name: {en: Budget Approval}
        stage_info:
          approvals:
            - {approval_type: role, user_role: finance, role_selection_strategy: quorum, quorum_percent: 60}
  - name: {en: Management}
`)
	w, err := definition.DecodeYAML(doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("validate:", definition.Validate(w, nil))
	fmt.Println(definition.Completeness(w))

	// Give the empty pipeline a stage; an empty approvals list is one
	// self-approved step.
	w.Pipelines[1].Stages = []definition.Stage{{
		Name: definition.Name{"en": "Executive Approval"}, IsActive: true,
	}}
	fmt.Println(definition.Completeness(w))
	for _, u := range w.Units() {
		s := u.Approvals[0]
		who := s.ApprovalType
		if id := s.ApprovalUser + s.UserRole; id != "" {
			who += " " + id
		}
		fmt.Printf("%d %s / %s: %s\n", u.Index, u.Pipeline.Name.Default(), u.Stage.Name.Default(), who)
	}

	w.Pipelines[0].Stages[0].Info.Approvals[0].ApprovalType = "boss"
	fmt.Println(definition.Validate(w, nil))
	// Output:
	// validate: <nil>
	// false Pipeline 'Management' must have at least one stage
	// true Strategy 1 workflow is complete and valid
	// 0 Finance / Initial Review: user 17
	// 1 Finance / Budget Approval: role finance
	// 2 Management / Executive Approval: self-approved
	// validation failed: pipelines[0].stages[0].stage_info.approvals[0].approval_type: Invalid approval_type: boss. Must be one of: user, role, self-approved (case-insensitive)
}
