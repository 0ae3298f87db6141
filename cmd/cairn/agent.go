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
	cfg, err := config.Load(flags.Options())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := runAgent(cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "cairn: agent: %v\n", err)
		return 1
	}
	return 0
}

// runAgent runs the agent described by cfg until SIGINT or SIGTERM.
func runAgent(cfg *config.Config, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runAgentUntil(ctx, cfg, stdout)
}

// runAgentUntil runs the agent until ctx ends, then shuts it down.
func runAgentUntil(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	logger, closeLog, err := newAgentLogger(cfg, stdout)
	if err != nil {
		return err
	}
	defer closeLog()
	a, err := runtime.New(cfg, runtime.Options{Logger: logger, Version: Version})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "cairn agent running: HTTP on %s, server on %s (node %q, datacenter %q, data dir %s)\n",
		a.HTTPAddr(), a.ServerAddr(), cfg.NodeName, cfg.Datacenter, a.DataDir())
	select {
	case <-ctx.Done():
	case <-a.Left():
		logger.Info("left the cluster")
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return a.Shutdown(sctx)
}

// newAgentLogger builds the agent's logger at log_level, as JSON lines with
// log_json, writing to out and, with log_file, to that file too.
func newAgentLogger(cfg *config.Config, out io.Writer) (*zap.Logger, func(), error) {
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
			return nil, nil, fmt.Errorf("open log file: %w", err)
		}
		sinks = append(sinks, zapcore.AddSync(f))
		closeLog = func() { f.Close() }
	}
	core := zapcore.NewCore(enc, zapcore.NewMultiWriteSyncer(sinks...), cfg.ZapLevel())
	return zap.New(core).Named("agent"), closeLog, nil
}
