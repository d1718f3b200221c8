package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Export writes the run as Markdown, CSV and JSON next to each other in dir,
// named after the results file, with the SVG charts the Markdown links,
// and returns the paths written.
func Export(dir string, r *Results) ([]string, error) {
	base := strings.TrimSuffix(FileName(r.CreatedAt, r.ID), ".json")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// The charts go next to the Markdown, linked by file name.
	plots, err := WritePlots(dir, r)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range []struct {
		ext    string
		render func(*bytes.Buffer) error
	}{
		{".md", func(b *bytes.Buffer) error {
			if err := writeMarkdown(b, r, filepath.Join(dir, FileName(r.CreatedAt, r.ID))); err != nil {
				return err
			}
			return WritePlotsSection(b, r, plots, filepath.Base)
		}},
		{".csv", func(b *bytes.Buffer) error { return WriteCSV(b, r, false) }},
		{".export.json", func(b *bytes.Buffer) error { return WriteJSON(b, r) }},
	} {
		var b bytes.Buffer
		if err := f.render(&b); err != nil {
			return paths, err
		}
		p := filepath.Join(dir, base+f.ext)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			return paths, fmt.Errorf("export: %w", err)
		}
		paths = append(paths, p)
	}
	for _, p := range plots {
		paths = append(paths, p.Path)
	}
	return paths, nil
}

// WriteJSON writes the results with their analysis, the stable machine format.
func WriteJSON(w io.Writer, r *Results) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		*Results
		Analysis Analysis `json:"analysis"`
	}{r, Analyze(r)})
}

// Formats a results file can be rendered in, in the order help texts list them.
var Formats = []string{"text", "markdown", "csv", "json"}

// CheckFormat refuses a format Render does not know; "md" is markdown.
func CheckFormat(format string) error {
	switch format {
	case "text", "markdown", "md", "csv", "json":
		return nil
	}
	return fmt.Errorf("%q is not one of %s", format, strings.Join(Formats, ", "))
}

// RenderOptions tune Render: Styled draws text as bordered tables (a
// terminal with colour), Samples adds one CSV row per sample, Path names
// the results file in the verdict's hints (how to collect billing later).
// Plots (markdown only) is a folder to write SVG charts into, linked from
// the report by that folder's path.
type RenderOptions struct {
	Styled, Samples bool
	Path            string
	Plots           string
}

// Render writes r in format: the one place an output format is chosen.
func Render(w io.Writer, r *Results, format string, o RenderOptions) error {
	switch format {
	case "", "text":
		return writeText(w, r, o.Styled, o.Path)
	case "markdown", "md":
		if err := writeMarkdown(w, r, o.Path); err != nil || o.Plots == "" {
			return err
		}
		plots, err := WritePlots(o.Plots, r)
		if err != nil {
			return err
		}
		return WritePlotsSection(w, r, plots, filepath.ToSlash)
	case "csv":
		return WriteCSV(w, r, o.Samples)
	case "json":
		return WriteJSON(w, r)
	}
	return CheckFormat(format)
}
