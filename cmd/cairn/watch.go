package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

const watchUsage = `
Usage: cairn watch [options] -type=TYPE [HANDLER...]

  Watches a view of the catalog or the KV store with blocking queries and
  runs HANDLER (through $SHELL -c) each time the view changes, with the
  view as JSON on stdin and CONSUL_INDEX set to its index. A change means
  new data: an answer at a new index with the same data does not run the
  handler; the first answer always does (except a key that does not
  exist yet). Without HANDLER the first view is printed and cairn exits.

  Types: key (-key), keyprefix (-prefix), services, nodes,
  service (-service, -tag, -passing), checks (-service or -state).
`

// Backoff after failed queries: failure n waits watchRetryBase·n²,
// at most watchRetryMax, as Consul's watches do.
var (
	watchRetryBase = 5 * time.Second
	watchRetryMax  = 3 * time.Minute
)

// runWatch runs `cairn watch` until SIGINT/SIGTERM or, without a
// handler, until the first result.
func runWatch(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runWatchContext(ctx, args, stdout, stderr)
}

// runWatchContext is runWatch with the shutdown signal as ctx.
func runWatchContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var p watchParams
	fs := newFlagSet("watch", watchUsage, stderr)
	fs.StringVar(&p.typ, "type", "", "What to watch: key, keyprefix, services, nodes, service, checks or event")
	fs.StringVar(&p.name, "name", "", "Only events of this name (type event)")
	fs.StringVar(&p.key, "key", "", "Key to watch (type key)")
	fs.StringVar(&p.prefix, "prefix", "", "Key prefix to watch (type keyprefix)")
	fs.StringVar(&p.service, "service", "", "Service to watch (types service and checks)")
	fs.StringVar(&p.tag, "tag", "", "Only instances with this tag (type service)")
	fs.BoolVar(&p.passing, "passing", false, "Only instances whose checks pass (type service)")
	fs.StringVar(&p.state, "state", "", "Check state to watch (type checks): any, passing, warning, critical")
	shell := fs.Bool("shell", true, "Run HANDLER through $SHELL -c (else run its first word directly)")
	hf := addHTTPFlags(fs, true)
	if err := fs.Parse(args); err != nil {
		return exitForParse(err)
	}
	q, err := newWatchQuery(p)
	if err != nil {
		return lineError(stderr, err.Error())
	}
	w := &watcher{c: hf.client(), q: q, stderr: stderr}
	if fs.NArg() == 0 {
		return w.printFirst(ctx, stdout)
	}
	return w.run(ctx, func(index uint64, data json.RawMessage) (bool, error) {
		return false, runHandler(fs.Args(), *shell, index, data, stdout, stderr)
	})
}

// watcher runs one watch's blocking queries.
type watcher struct {
	c      *apiClient
	q      *watchQuery
	stderr io.Writer
}

// run queries until ctx ends, handle fails (exit 1) or handle reports
// that the watch is done (exit 0), calling handle on every change of the
// data. Failed queries are retried after a growing pause.
func (w *watcher) run(ctx context.Context, handle func(index uint64, data json.RawMessage) (done bool, err error)) int {
	var index uint64
	var last json.RawMessage
	failures := 0
	for {
		resp, next, err := w.c.blockingGet(ctx, w.q.path, w.q.query, index)
		var data json.RawMessage
		if err == nil {
			data, err = w.q.data(resp)
		}
		if ctx.Err() != nil {
			return 0
		}
		if err != nil {
			failures++
			reportError(w.stderr, "Error querying Consul agent", err)
			if !sleepCtx(ctx, watchBackoff(failures)) {
				return 0
			}
			continue
		}
		failures = 0
		previous := index
		index = nextIndex(index, next)
		if (previous != 0 && index == previous) || bytes.Equal(data, last) {
			continue
		}
		last = data
		done, err := handle(next, data)
		switch {
		case err != nil:
			fmt.Fprintf(w.stderr, "Error executing handler: %v\n", err)
			return 1
		case done:
			return 0
		}
	}
}

// watchBackoff is the wait after the failures-th failure in a row.
func watchBackoff(failures int) time.Duration {
	if failures > 1000 {
		return watchRetryMax
	}
	return min(watchRetryBase*time.Duration(failures*failures), watchRetryMax)
}

// printFirst prints the first result, indented, and exits 0.
func (w *watcher) printFirst(ctx context.Context, stdout io.Writer) int {
	return w.run(ctx, func(_ uint64, data json.RawMessage) (bool, error) {
		var out bytes.Buffer
		if err := json.Indent(&out, data, "", "    "); err != nil {
			return true, err
		}
		fmt.Fprintln(stdout, out.String())
		return true, nil
	})
}

// runHandler runs the handler once with data on its stdin.
func runHandler(args []string, shell bool, index uint64, data json.RawMessage, stdout, stderr io.Writer) error {
	cmd := childCommand(args, shell, stdout, stderr, "CONSUL_INDEX="+strconv.FormatUint(index, 10))
	if data == nil {
		// No result after one (a watched key was deleted): Consul's
		// handlers read null.
		data = json.RawMessage("null")
	}
	cmd.Stdin = bytes.NewReader(append(append([]byte(nil), data...), '\n'))
	return cmd.Run()
}
