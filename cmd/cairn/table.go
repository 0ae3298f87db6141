package main

import (
	"strings"
	"unicode/utf8"
)

// columnGlue separates table columns, as in Consul's CLI output.
const columnGlue = "  "

// formatColumns lays rows out as Consul's CLI tables do: every column but
// the last padded to its widest cell, columns joined by two spaces, cells
// trimmed of surrounding space, and no newline after the last row.
func formatColumns(rows [][]string) string {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			n := utf8.RuneCountInString(strings.TrimSpace(cell))
			if i >= len(widths) {
				widths = append(widths, n)
			} else if n > widths[i] {
				widths[i] = n
			}
		}
	}
	var b strings.Builder
	for r, row := range rows {
		if r > 0 {
			b.WriteByte('\n')
		}
		for i, cell := range row {
			cell = strings.TrimSpace(cell)
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)))
				b.WriteString(columnGlue)
			}
		}
	}
	return b.String()
}
