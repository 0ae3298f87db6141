package runtime

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/agent/config"
)

// The agent runs each entry of "watches" as a child `cairn watch` process
// against its own HTTP API, so that a watch in the config behaves exactly
// as the command does (blocking queries, a handler run with the JSON
// result on stdin on every change). A watch that exits is started again
// after a pause that grows to watchRestartMax; all of them stop with the
// agent, and a reload replaces them.

// watchRestartMax bounds the pause before a stopped watch starts again.
const watchRestartMax = 30 * time.Second

// watchFlags maps a watch's config keys to `cairn watch` flags.
var watchFlags = map[string]string{
	"type": "-type", "key": "-key", "prefix": "-prefix", "service": "-service", "tag": "-tag",
	"state": "-state", "name": "-name", "datacenter": "-datacenter",
}

// watchCommand is one configured watch as a command line and its token.
type watchCommand struct {
	args  []string
	token string
}

// watchCommands turns the config's watches into command lines, refusing
// what `cairn watch` cannot do.
func watchCommands(watches []config.Watch) ([]watchCommand, error) {
	var out []watchCommand
	for i, w := range watches {
		cmd, err := watchCommandOf(w)
		if err != nil {
			return nil, fmt.Errorf("watches[%d]: %w", i, err)
		}
		out = append(out, cmd)
	}
	return out, nil
}

// watchCommandOf converts one watch.
func watchCommandOf(w config.Watch) (watchCommand, error) {
	cmd := watchCommand{args: []string{"watch"}}
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var handler []string
	for _, k := range keys {
		v := w[k]
		switch {
		case watchFlags[k] != "":
			s, ok := v.(string)
			if !ok {
				return cmd, fmt.Errorf("%s must be a string", k)
			}
			cmd.args = append(cmd.args, watchFlags[k]+"="+s)
		case k == "passingonly":
			if b, ok := v.(bool); ok && b {
				cmd.args = append(cmd.args, "-passing")
			}
		case k == "token":
			s, _ := v.(string)
			cmd.token = s
		case k == "args":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				return cmd, fmt.Errorf("args must be a non-empty list of strings")
			}
			for _, a := range list {
				s, ok := a.(string)
				if !ok {
					return cmd, fmt.Errorf("args must be a non-empty list of strings")
				}
				handler = append(handler, s)
			}
		case k == "handler_type":
			if v != "script" {
				return cmd, fmt.Errorf("handler_type %v is not supported; use script with args", v)
			}
		default:
			return cmd, fmt.Errorf("unknown key %q", k)
		}
	}
	if len(handler) == 0 {
		return cmd, fmt.Errorf("a watch needs args: the handler to run")
	}
	cmd.args = append(append(cmd.args, "-shell=false"), handler...)
	return cmd, nil
}

// watchRunner supervises the watch processes.
type watchRunner struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// checkWatches converts the config's watches; a config with watches is
// refused when the agent has no executable to run them with.
func checkWatches(cfg *config.Config, opts Options) ([]watchCommand, error) {
	cmds, err := watchCommands(cfg.Watches)
	if err != nil {
		return nil, err
	}
	if len(cmds) > 0 && opts.Executable == "" {
		return nil, fmt.Errorf("watches need the cairn executable to run them, and this agent was started without it")
	}
	return cmds, nil
}

// startWatches starts the watches.
func (a *Agent) startWatches(cmds []watchCommand) error {
	if len(cmds) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.watches.mu.Lock()
	a.watches.cancel = cancel
	a.watches.mu.Unlock()
	for _, c := range cmds {
		a.watches.done.Add(1)
		go a.superviseWatch(ctx, c)
	}
	return nil
}

// stopWatches stops every watch process and waits for them.
func (a *Agent) stopWatches() {
	a.watches.mu.Lock()
	cancel := a.watches.cancel
	a.watches.cancel = nil
	a.watches.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	a.watches.done.Wait()
}

// superviseWatch runs one watch until ctx ends, starting it again when it
// exits.
func (a *Agent) superviseWatch(ctx context.Context, c watchCommand) {
	defer a.watches.done.Done()
	pause := time.Second
	for ctx.Err() == nil {
		cmd := exec.CommandContext(ctx, a.opts.Executable, c.args...)
		cmd.Env = a.watchEnv(c.token)
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			return
		}
		a.logger.Warn("a watch stopped; starting it again", zap.String("watch", strings.Join(c.args[1:len(c.args)-1], " ")),
			zap.Error(err), zap.String("output", lastLine(out)), zap.Duration("after", pause))
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, watchRestartMax)
	}
}

// watchEnv is the environment of a watch process: the agent's API and
// the watch's token in cairn's variables, Consul's emptied so that they
// cannot take over. An HTTPS-only agent is reached at an https:// URL
// with its tls.https CA to check it by and its own certificate to show,
// which verify_incoming asks for, as Consul's watches do.
func (a *Agent) watchEnv(token string) []string {
	env := append(os.Environ(), "CONSUL_HTTP_ADDR=", "CAIRN_HTTP_TOKEN="+token, "CONSUL_HTTP_TOKEN=")
	if addr := a.HTTPAddr(); addr != "" {
		return append(env, "CAIRN_HTTP_ADDR="+addr)
	}
	p := a.tls.Settings().HTTPS
	env = append(env, "CAIRN_HTTP_ADDR="+a.APIURL(), "CAIRN_HTTP_SSL_VERIFY=", "CONSUL_HTTP_SSL_VERIFY=")
	for _, v := range [][2]string{{"CACERT", p.CAFile}, {"CAPATH", p.CAPath}, {"CLIENT_CERT", p.CertFile}, {"CLIENT_KEY", p.KeyFile}, {"TLS_SERVER_NAME", ""}} {
		env = append(env, "CAIRN_"+v[0]+"="+v[1], "CONSUL_"+v[0]+"=")
	}
	return env
}

// lastLine is the last non-empty line of out.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}
