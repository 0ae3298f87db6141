package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const lockUsage = `
Usage: cairn lock [options] PREFIX CHILD...

  Acquires a lock (or, with -n greater than 1, a semaphore) at PREFIX in
  the KV store and runs CHILD only while it is held. The lock belongs to
  a session with a 15s TTL that cairn renews; if the lock is lost (the
  session is invalidated or destroyed, or the key stops naming it) the
  child gets SIGTERM and, 5s later, SIGKILL. When the child exits the
  lock is released and the session destroyed. The child sees
  CONSUL_LOCK_HELD=true. All users of one prefix must agree on -n.

  cairn exits 0 once the child has run, whatever its status, unless
  -child-exit-code is given: then a child that failed makes it exit 2.
  It exits 1 when the lock could not be acquired (-try, -timeout, an
  error) or was lost while the child ran.
`

// lockHolder is a lock or a semaphore as lock uses it.
type lockHolder interface {
	acquire(ctx context.Context, tryOnce bool) (bool, error)
	monitor(ctx context.Context) error
	release(ctx context.Context) error
	cleanup(ctx context.Context) error
}

// lockCleanupTimeout bounds the release and session destroy at exit.
const lockCleanupTimeout = 10 * time.Second

// lockOptions are lock's parsed flags and arguments.
type lockOptions struct {
	prefix       string
	child        []string
	limit        int
	name         string
	timeout      time.Duration
	try          tryFlag
	monitorRetry int
	passStdin    bool
	verbose      bool
	childCode    bool
	shell        bool
	hf           *httpFlags
}

// runLock runs `cairn lock` until the child exits or SIGINT/SIGTERM.
func runLock(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runLockContext(ctx, args, stdout, stderr)
}

// runLockContext is runLock with the shutdown signal as ctx.
func runLockContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseLockArgs(args, stderr)
	if !ok {
		return code
	}
	return o.run(ctx, stdout, stderr)
}

// parseLockArgs parses and checks lock's command line.
func parseLockArgs(args []string, stderr io.Writer) (*lockOptions, int, bool) {
	o := &lockOptions{}
	fs := newFlagSet("lock", lockUsage, stderr)
	fs.IntVar(&o.limit, "n", 1, "Number of holders allowed at once; above 1 a semaphore is used")
	fs.StringVar(&o.name, "name", "", "Name of the lock's session; default names the child and prefix")
	fs.DurationVar(&o.timeout, "timeout", 0, "Give up acquiring after this long (0: wait forever)")
	fs.Var(&o.try, "try", "Fail at once if the lock is held; -try=DURATION is Consul's older spelling of -timeout")
	fs.IntVar(&o.monitorRetry, "monitor-retry", 3, "Times to retry a failed read while watching a held lock")
	fs.BoolVar(&o.passStdin, "pass-stdin", false, "Give cairn's stdin to the child")
	fs.BoolVar(&o.verbose, "verbose", false, "Print what lock does")
	fs.BoolVar(&o.childCode, "child-exit-code", false, "Exit 2 if the child exited with an error")
	fs.BoolVar(&o.shell, "shell", true, "Run CHILD through $SHELL -c (else run its first word directly)")
	o.hf = addHTTPFlags(fs, true)
	if err := fs.Parse(args); err != nil {
		return nil, exitForParse(err), false
	}
	switch {
	case fs.NArg() < 2:
		return nil, lineError(stderr, "Key prefix and child command must be specified"), false
	case o.limit < 1:
		return nil, lineError(stderr, "Lock holder limit must be positive"), false
	case o.timeout < 0 || o.try.timeout < 0:
		return nil, lineError(stderr, "Timeout must be positive"), false
	case o.monitorRetry < 0:
		return nil, lineError(stderr, "Number for 'monitor-retry' must be >= 0"), false
	}
	o.prefix = strings.Trim(fs.Arg(0), "/")
	if o.prefix == "" {
		return nil, lineError(stderr, "Key prefix must not be empty"), false
	}
	o.child = fs.Args()[1:]
	if o.try.timeout > 0 && o.timeout == 0 {
		o.timeout = o.try.timeout
	}
	if o.name == "" {
		o.name = fmt.Sprintf("cairn lock for '%s' at '%s'", strings.Join(o.child, " "), o.prefix)
	}
	return o, 0, true
}

// lineError prints msg as the one line of a usage error and returns
// exit code 1; Consul's lock and watch print no usage text with it.
func lineError(stderr io.Writer, msg string) int {
	fmt.Fprintln(stderr, msg)
	return 1
}

// run creates the session, keeps it renewed from then on (a wait for the
// lock may outlast the session's TTL), acquires, runs the child while the
// lock is held, then releases and cleans up.
func (o *lockOptions) run(ctx context.Context, stdout, stderr io.Writer) int {
	c := o.hf.client()
	o.logf(stderr, "Setting up lock at path: %s/.lock", o.prefix)
	session, err := createLockSession(ctx, c, o.name)
	if err != nil {
		return reportError(stderr, "Error creating session", err)
	}
	defer o.destroy(c, session, stderr)
	alive, endSession := context.WithCancelCause(ctx)
	renewing := make(chan struct{})
	go func() { endSession(renewLockSession(alive, c, session)); close(renewing) }()
	defer func() { endSession(nil); <-renewing }()
	var holder lockHolder = newMutex(c, o.prefix, session, o.monitorRetry)
	if o.limit > 1 {
		holder = newSemaphore(c, o.prefix, session, o.limit, o.monitorRetry)
	}
	o.logf(stderr, "Attempting lock acquisition")
	if !o.acquire(ctx, alive, holder, stderr) {
		return 1
	}
	childErr, ok := o.runHeld(ctx, alive, holder, stdout, stderr)
	o.logf(stderr, "Releasing lock")
	cctx, cancel := context.WithTimeout(context.Background(), lockCleanupTimeout)
	defer cancel()
	if err := holder.release(cctx); err != nil && ok {
		return reportError(stderr, "Lock release failed", err)
	}
	if err := holder.cleanup(cctx); err != nil {
		o.logf(stderr, "Lock cleanup failed: %v", err)
	}
	switch {
	case !ok:
		return 1
	case childErr != nil && o.childCode:
		return 2
	}
	return 0
}

// acquire takes the lock within -timeout while the session is alive,
// reporting why it did not.
func (o *lockOptions) acquire(ctx, alive context.Context, holder lockHolder, stderr io.Writer) bool {
	actx := alive
	if o.timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(alive, o.timeout)
		defer cancel()
	}
	held, err := holder.acquire(actx, o.try.once)
	switch {
	case err != nil:
		reportError(stderr, "Lock acquisition failed", err)
		return false
	case !held && ctx.Err() == nil && alive.Err() != nil:
		reportError(stderr, "Lock acquisition failed", context.Cause(alive))
		return false
	case !held:
		fmt.Fprintln(stderr, "Shutdown triggered or timeout during lock acquisition")
		return false
	}
	return true
}

// runHeld starts the child and watches the lock, and the session through
// alive, while it runs. It returns the child's exit error, and ok=false
// when the child could not start or was stopped because the lock was lost
// or cairn was told to shut down (ctx).
func (o *lockOptions) runHeld(ctx, alive context.Context, holder lockHolder,
	stdout, stderr io.Writer) (childErr error, ok bool) {
	lost, lose := context.WithCancelCause(alive)
	defer lose(nil)
	watching := make(chan struct{})
	go func() { lose(holder.monitor(lost)); close(watching) }()
	defer func() { lose(nil); <-watching }()

	cmd := childCommand(o.child, o.shell, stdout, stderr, "CONSUL_LOCK_HELD=true")
	if o.passStdin {
		cmd.Stdin = stdin
	}
	o.logf(stderr, "Starting handler")
	child, err := startChild(cmd)
	if err != nil {
		fmt.Fprintf(stderr, "Error running handler: %v\n", err)
		return err, false
	}
	select {
	case <-child.done:
		o.logf(stderr, "Child terminated, releasing lock")
		return child.err, true
	case <-lost.Done():
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "Shutdown triggered, killing child")
	} else {
		fmt.Fprintf(stderr, "Lock lost, killing child: %v\n", context.Cause(lost))
	}
	child.stop(childKillGrace)
	return child.err, false
}

// destroy destroys the session at exit.
func (o *lockOptions) destroy(c *apiClient, session string, stderr io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), lockCleanupTimeout)
	defer cancel()
	if err := destroySession(ctx, c, session); err != nil {
		fmt.Fprintf(stderr, "Session destroy failed: %v\n", err)
	}
}

// logf prints a progress line with -verbose.
func (o *lockOptions) logf(stderr io.Writer, format string, args ...any) {
	if o.verbose {
		fmt.Fprintf(stderr, format+"\n", args...)
	}
}

// tryFlag is -try. Given alone it makes lock fail at once when the lock
// is held; given a duration (Consul's deprecated -try=DURATION) it is a
// -timeout.
type tryFlag struct {
	once    bool
	timeout time.Duration
}

// IsBoolFlag lets -try stand without a value.
func (f *tryFlag) IsBoolFlag() bool { return true }

// String renders the flag's value for the usage text.
func (f *tryFlag) String() string {
	if f.timeout > 0 {
		return f.timeout.String()
	}
	return strconv.FormatBool(f.once)
}

// Set takes "true" or "false" (the bare flag) or a duration.
func (f *tryFlag) Set(v string) error {
	if b, err := strconv.ParseBool(v); err == nil {
		f.once, f.timeout = b, 0
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("want true, false or a duration: %w", err)
	}
	f.once, f.timeout = false, d
	return nil
}
