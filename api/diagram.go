package api

import (
	"bytes"
	"fmt"
	"html"
	"strconv"

	"github.com/flowgate/flowgate/definition"
)

// diagramSVG draws a workflow left to right: one column per pipeline with
// its stages stacked in run order (strategy 1), one box per pipeline
// (strategy 2), or one box (strategy 3), each box with its approval count.
// Inactive stages are drawn dashed.
func diagramSVG(w *definition.Workflow) []byte {
	const (
		colW, boxW, boxH, gap, top, margin = 220, 180, 56, 20, 70, 20
	)
	type box struct {
		title, sub, color string
		dashed            bool
	}
	var columns [][]box
	var heads []string
	switch w.Strategy {
	case definition.StrategyWorkflowOnly:
		heads = []string{"Workflow"}
		columns = [][]box{{{title: w.Name.Default(), sub: approvals(len(w.Info.Approvals)), color: definition.DefaultStageColor}}}
	default:
		for _, p := range w.SortedPipelines() {
			heads = append(heads, p.Name.Default())
			var col []box
			if w.Strategy == definition.StrategyPipeline {
				col = append(col, box{title: p.Name.Default(), sub: approvals(len(p.Info.Approvals)), color: definition.DefaultStageColor})
			}
			for _, st := range p.SortedStages() {
				color := st.Info.Color
				if color == "" {
					color = definition.DefaultStageColor
				}
				col = append(col, box{title: st.Name.Default(), sub: approvals(len(st.Info.Approvals)), color: color, dashed: !st.IsActive})
			}
			columns = append(columns, col)
		}
	}
	rows := 1
	for _, c := range columns {
		rows = max(rows, len(c))
	}
	width := margin*2 + max(1, len(columns))*colW
	height := top + rows*(boxH+gap) + margin
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`, width, height, width, height)
	fmt.Fprintf(&b, `<text x="%d" y="28" font-size="18" font-weight="bold">%s</text>`, margin, html.EscapeString(w.Name.Default()))
	for i, c := range columns {
		x := margin + i*colW
		fmt.Fprintf(&b, `<text x="%d" y="55" font-size="13" fill="#555">%s</text>`, x, html.EscapeString(heads[i]))
		for j, bx := range c {
			y := top + j*(boxH+gap)
			dash := ""
			if bx.dashed {
				dash = ` stroke-dasharray="6 4"`
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="8" fill="#fff" stroke="%s" stroke-width="3"%s/>`,
				x, y, boxW, boxH, html.EscapeString(bx.color), dash)
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13">%s</text>`, x+10, y+24, html.EscapeString(bx.title))
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#777">%s</text>`, x+10, y+44, bx.sub)
			if j > 0 {
				fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999" stroke-width="2"/>`, x+boxW/2, y-gap, x+boxW/2, y)
			}
		}
		if i > 0 {
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999" stroke-width="2"/>`, x-colW+boxW, top+boxH/2, x, top+boxH/2)
		}
	}
	b.WriteString(`</svg>`)
	return b.Bytes()
}

func approvals(n int) string {
	if n == 1 {
		return "1 approval"
	}
	return strconv.Itoa(n) + " approvals"
}
