package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// childKillGrace is how long a child has to exit after SIGTERM before it
// gets SIGKILL, as in Consul's lock command.
const childKillGrace = 5 * time.Second

// childCommand builds the command for a lock child or a watch handler.
// With shell, the arguments are joined into one script for $SHELL -c
// (/bin/sh when SHELL is unset), as Consul does; without, args[0] is
// run directly with the rest as its arguments. The child runs in its own
// process group, so that stopping it also stops whatever it started.
func childCommand(args []string, shell bool, stdout, stderr io.Writer, env ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if shell {
		sh := os.Getenv("SHELL")
		if sh == "" {
			sh = "/bin/sh"
		}
		cmd = exec.Command(sh, "-c", strings.Join(args, " "))
	} else {
		cmd = exec.Command(args[0], args[1:]...)
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Output is copied through pipes when stdout is not a file; a
	// grandchild that keeps them open must not hold Wait forever.
	cmd.WaitDelay = childKillGrace
	return cmd
}

// runningChild is a started child and the channel that closes when it
// has exited, after which err holds what Wait returned.
type runningChild struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startChild starts cmd and waits for it in the background.
func startChild(cmd *exec.Cmd) (*runningChild, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ch := &runningChild{cmd: cmd, done: make(chan struct{})}
	go func() {
		ch.err = cmd.Wait()
		close(ch.done)
	}()
	return ch, nil
}

// stop sends SIGTERM to the child's process group and, if it has not
// exited after grace, SIGKILL; it returns once the child has exited.
func (c *runningChild) stop(grace time.Duration) {
	pgid := -c.cmd.Process.Pid
	if err := syscall.Kill(pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		c.cmd.Process.Kill()
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.done:
		return
	case <-t.C:
	}
	if err := syscall.Kill(pgid, syscall.SIGKILL); err != nil {
		c.cmd.Process.Kill()
	}
	<-c.done
}
