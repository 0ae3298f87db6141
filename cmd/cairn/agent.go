package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/cairn-sd/cairn/agent/config"
	"github.com/cairn-sd/cairn/agent/runtime"
)

// shutdownTimeout bounds how long requests in flight (blocking queries
// among them) may take to finish when the agent stops.
const shutdownTimeout = 5 * time.Second

// runAgentCommand parses the agent's flags and config, then starts it.
func runAgentCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	flags := config.NewFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: cairn agent [options]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitForParse(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cairn: agent: unexpected arguments %q\n", fs.Args())
		return 1
	}
	load := func() (*config.Config, error) { return config.Load(flags.Options()) }
	cfg, err := load()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := runAgent(cfg, load, stdout); err != nil {
		fmt.Fprintf(stderr, "cairn: agent: %v\n", err)
		return 1
	}
	return 0
}

// runAgent runs the agent described by cfg until SIGINT or SIGTERM;
// SIGHUP reloads its configuration through load.
func runAgent(cfg *config.Config, load func() (*config.Config, error), stdout io.Writer) error {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)
	return runAgentUntil(signals, cfg, load, stdout)
}

// runAgentUntil runs the agent until a stop signal arrives on signals (or
// the agent leaves through the API), then shuts it down. On SIGTERM it
// first leaves the pool gracefully if leave_on_terminate is set (the
// default on clients), on SIGINT unless skip_leave_on_interrupt is (the
// default on servers), as Consul does; SIGHUP reloads.
func runAgentUntil(signals <-chan os.Signal, cfg *config.Config, load func() (*config.Config, error), stdout io.Writer) error {
	logger, level, closeLog, err := newAgentLogger(cfg, stdout)
	if err != nil {
		return err
	}
	defer closeLog()
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the cairn executable: %w", err)
	}
	a, err := runtime.New(cfg, runtime.Options{Logger: logger, Version: Version, Reload: load, Level: level, Executable: exe})
	if err != nil {
		return err
	}
	api := "HTTP on " + a.HTTPAddr()
	if a.HTTPAddr() == "" {
		api = "HTTPS on " + a.HTTPSAddr()
	}
	fmt.Fprintf(stdout, "cairn agent running: %s, server on %s (node %q, datacenter %q, data dir %s)\n",
		api, a.ServerAddr(), cfg.NodeName, cfg.Datacenter, a.DataDir())
	for stopped := false; !stopped; {
		select {
		case sig := <-signals:
			stopped = handleSignal(a, cfg, sig, logger)
		case <-a.Left():
			logger.Info("left the cluster")
			stopped = true
		}
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return a.Shutdown(sctx)
}

// handleSignal acts on one signal and reports whether the agent stops.
func handleSignal(a *runtime.Agent, cfg *config.Config, sig os.Signal, logger *zap.Logger) bool {
	if sig == syscall.SIGHUP {
		if err := a.Reload(); err != nil {
			logger.Error("reload failed; the running configuration stays", zap.Error(err))
		}
		return false
	}
	leave := sig == syscall.SIGTERM && cfg.LeaveOnTerminate || sig == os.Interrupt && !cfg.SkipLeaveOnInterrupt
	if leave {
		logger.Info("leaving the cluster gracefully", zap.Stringer("signal", sig))
		if err := a.Leave(); err != nil {
			logger.Warn("graceful leave failed", zap.Error(err))
		}
	}
	return true
}

// newAgentLogger builds the agent's logger at log_level, as JSON lines with
// log_json, writing to out and, with log_file, to that file too.
func newAgentLogger(cfg *config.Config, out io.Writer) (*zap.Logger, *zap.AtomicLevel, func(), error) {
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	if cfg.LogJSON {
		enc = zapcore.NewJSONEncoder(encCfg)
	} else {
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(encCfg)
	}
	sinks := []zapcore.WriteSyncer{zapcore.Lock(zapcore.AddSync(out))}
	closeLog := func() {}
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("open log file: %w", err)
		}
		sinks = append(sinks, zapcore.AddSync(f))
		closeLog = func() { f.Close() }
	}
	level := zap.NewAtomicLevelAt(cfg.ZapLevel())
	core := zapcore.NewCore(enc, zapcore.NewMultiWriteSyncer(sinks...), level)
	return zap.New(core).Named("agent"), &level, closeLog, nil
}
