package metrics

import (
	"bufio"
	"strconv"
	"strings"
)

// ContentType is the HTTP Content-Type of the text exposition format 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// helpEscaper escapes a HELP docstring: backslash and line feed only.
var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

// labelEscaper escapes a label value: backslash, double quote and line feed.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// escapeHelp makes s safe to follow "# HELP name ". The format is UTF-8, so
// invalid bytes become U+FFFD rather than reaching the scraper, and readers
// ignore blanks and tabs at the ends of a line, so they are trimmed here
// rather than lost there.
func escapeHelp(s string) string {
	return helpEscaper.Replace(strings.Trim(strings.ToValidUTF8(s, "\uFFFD"), " \t"))
}

// escapeLabelValue makes s safe between the double quotes of a label value.
// Label values often come from users (service and node names), so nothing
// in them may break the line structure or the UTF-8 encoding.
func escapeLabelValue(s string) string {
	return labelEscaper.Replace(strings.ToValidUTF8(s, "\uFFFD"))
}

// formatFloat renders a sample value or a bucket bound the way Go's
// strconv.ParseFloat reads it back, which is what the format requires:
// shortest round-trip digits, and "+Inf", "-Inf" and "NaN" for the
// special values.
func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// writeHeader writes the HELP line (when there is help text) and the TYPE
// line that open a metric family.
func writeHeader(w *bufio.Writer, name, help, typ string) {
	if help = escapeHelp(help); help != "" {
		w.WriteString("# HELP ")
		w.WriteString(name)
		w.WriteByte(' ')
		w.WriteString(help)
		w.WriteByte('\n')
	}
	w.WriteString("# TYPE ")
	w.WriteString(name)
	w.WriteByte(' ')
	w.WriteString(typ)
	w.WriteByte('\n')
}

// writeSample writes one sample line: the name, the labels in declaration
// order followed by the extra label when extraName is not empty (the "le"
// of a histogram bucket), and the value.
func writeSample(w *bufio.Writer, name string, labelNames, labelValues []string, extraName, extraValue, value string) {
	w.WriteString(name)
	if len(labelNames) > 0 || extraName != "" {
		w.WriteByte('{')
		for i, l := range labelNames {
			if i > 0 {
				w.WriteByte(',')
			}
			writeLabel(w, l, labelValues[i])
		}
		if extraName != "" {
			if len(labelNames) > 0 {
				w.WriteByte(',')
			}
			writeLabel(w, extraName, extraValue)
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(value)
	w.WriteByte('\n')
}

// writeLabel writes name="value" with the value escaped.
func writeLabel(w *bufio.Writer, name, value string) {
	w.WriteString(name)
	w.WriteString(`="`)
	w.WriteString(escapeLabelValue(value))
	w.WriteByte('"')
}
