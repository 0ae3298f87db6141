package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// `cairn -autocomplete-install`, as in the seed's `consul
// -autocomplete-install`, makes every new bash and zsh shell load cairn's
// completion: it appends one line that evaluates `cairn completion <shell>`
// to ~/.bashrc and ~/.zshrc (those that exist), and writes fish's
// completion file when ~/.config/fish exists. -autocomplete-uninstall
// takes the lines out and removes the file. Both are idempotent.

// autocompleteMarker ends the line the install appends, so that uninstall
// finds exactly that line.
const autocompleteMarker = "# cairn -autocomplete-install"

// errNoShell is an install that found no shell to install into.
var errNoShell = errors.New("no ~/.bashrc, ~/.zshrc or ~/.config/fish found")

// shellTarget is one shell's place for completion.
type shellTarget struct {
	shell string
	rc    string // a startup file a line is appended to, or
	file  string // a file of its own (fish)
}

// shellTargets lists the targets under home that exist.
func shellTargets(home string) []shellTarget {
	var out []shellTarget
	for _, t := range []shellTarget{{shell: "bash", rc: ".bashrc"}, {shell: "zsh", rc: ".zshrc"}} {
		if _, err := os.Stat(filepath.Join(home, t.rc)); err == nil {
			out = append(out, shellTarget{shell: t.shell, rc: filepath.Join(home, t.rc)})
		}
	}
	if st, err := os.Stat(filepath.Join(home, ".config", "fish")); err == nil && st.IsDir() {
		out = append(out, shellTarget{shell: "fish", file: filepath.Join(home, ".config", "fish", "completions", "cairn.fish")})
	}
	return out
}

// autocompleteLine is the line a shell's startup file gets.
func autocompleteLine(exe, shell string) string {
	return fmt.Sprintf("eval \"$(%s completion %s)\" %s", shellQuote(exe), shell, autocompleteMarker)
}

// runAutocomplete serves -autocomplete-install (install=true) and
// -autocomplete-uninstall.
func runAutocomplete(install bool, stdout, stderr io.Writer) int {
	home, err := os.UserHomeDir()
	if err != nil {
		fmt.Fprintf(stderr, "Error: finding the home directory: %v\n", err)
		return 1
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "Error: finding the cairn binary: %v\n", err)
		return 1
	}
	targets := shellTargets(home)
	if len(targets) == 0 && install {
		fmt.Fprintf(stderr, "Error: %v\n", errNoShell)
		return 1
	}
	for _, t := range targets {
		if err := t.apply(install, exe); err != nil {
			fmt.Fprintf(stderr, "Error: %s: %v\n", t.shell, err)
			return 1
		}
		verb := "installed in"
		if !install {
			verb = "removed from"
		}
		fmt.Fprintf(stdout, "%s completion %s %s\n", t.shell, verb, cmp.Or(t.rc, t.file))
	}
	return 0
}

// apply installs or removes completion for one shell.
func (t shellTarget) apply(install bool, exe string) error {
	if t.file != "" {
		if !install {
			if err := os.Remove(t.file); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(t.file), 0o755); err != nil {
			return err
		}
		return os.WriteFile(t.file, []byte(fishCompletion(completionTree())), 0o644)
	}
	b, err := os.ReadFile(t.rc)
	if err != nil {
		return err
	}
	var kept []string
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if !strings.Contains(line, autocompleteMarker) {
			kept = append(kept, line)
		}
	}
	text := strings.Join(kept, "")
	if install {
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		text += autocompleteLine(exe, t.shell) + "\n"
	}
	return os.WriteFile(t.rc, []byte(text), 0o644)
}
