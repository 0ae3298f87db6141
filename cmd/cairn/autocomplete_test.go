package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAutocompleteInstallAddsOneLineAndUninstallRestores checks the
// seed's `-autocomplete-install`: one line per shell however often it
// runs, fish's file written, and uninstall leaving the files as they were.
func TestAutocompleteInstallAddsOneLineAndUninstallRestores(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	bashrc := filepath.Join(home, ".bashrc")
	require.NoError(t, os.WriteFile(bashrc, []byte("export PATH=$PATH:/opt/bin"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(home, ".config", "fish"), 0o755))

	for range 2 {
		code, out, errOut := runCairn("-autocomplete-install")
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, "bash completion installed in "+bashrc)
	}
	b, err := os.ReadFile(bashrc)
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(string(b), autocompleteMarker), string(b))
	require.Contains(t, string(b), "export PATH=$PATH:/opt/bin\neval \"$(")
	require.Contains(t, string(b), "completion bash)\"")
	fish, err := os.ReadFile(filepath.Join(home, ".config", "fish", "completions", "cairn.fish"))
	require.NoError(t, err)
	require.Contains(t, string(fish), "complete -c cairn")
	_, err = os.Stat(filepath.Join(home, ".zshrc"))
	require.ErrorIs(t, err, os.ErrNotExist, "a shell that is not set up is left alone")

	code, _, errOut := runCairn("-autocomplete-uninstall")
	require.Equal(t, 0, code, errOut)
	b, err = os.ReadFile(bashrc)
	require.NoError(t, err)
	require.Equal(t, "export PATH=$PATH:/opt/bin\n", string(b))
	_, err = os.Stat(filepath.Join(home, ".config", "fish", "completions", "cairn.fish"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestAutocompleteInstallWithoutAShellFailsWithAReason(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	code, out, errOut := runCairn("-autocomplete-install")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, "Error: no ~/.bashrc, ~/.zshrc or ~/.config/fish found\n", errOut)
}
