package runtime

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/agent/config"
)

func TestConfiguredWatchesBecomeWatchCommands(t *testing.T) {
	cmds, err := watchCommands([]config.Watch{
		{"type": "key", "key": "app/config", "args": []any{"/bin/handler", "-v"}, "token": "s3cret"},
		{"type": "service", "service": "web", "passingonly": true, "handler_type": "script", "args": []any{"h"}},
	})
	require.NoError(t, err)
	require.Equal(t, []string{"watch", "-key=app/config", "-type=key", "-shell=false", "/bin/handler", "-v"}, cmds[0].args)
	require.Equal(t, "s3cret", cmds[0].token, "the token travels in the environment, not on the command line")
	require.Equal(t, []string{"watch", "-passing", "-service=web", "-type=service", "-shell=false", "h"}, cmds[1].args)

	for _, bad := range []config.Watch{
		{"type": "key", "key": "k"},
		{"type": "key", "key": "k", "args": []any{1}},
		{"type": "key", "key": "k", "args": []any{"h"}, "handler_type": "http"},
		{"type": "key", "key": "k", "args": []any{"h"}, "surprise": true},
		{"type": 7, "args": []any{"h"}},
	} {
		_, err := watchCommands([]config.Watch{bad})
		require.Error(t, err, "%v", bad)
		require.Contains(t, err.Error(), "watches[0]")
	}
	_, err = checkWatches(&config.Config{Watches: []config.Watch{{"type": "key", "key": "k", "args": []any{"h"}}}}, Options{})
	require.ErrorContains(t, err, "executable")
}
