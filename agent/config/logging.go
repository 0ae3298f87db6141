package config

import "go.uber.org/zap/zapcore"

// ZapLevel returns the zap level for LogLevel. zap has no trace level, so
// trace logs at debug.
func (c *Config) ZapLevel() zapcore.Level {
	switch c.LogLevel {
	case "trace", "debug":
		return zapcore.DebugLevel
	case "warn":
		return zapcore.WarnLevel
	case "error":
		return zapcore.ErrorLevel
	}
	return zapcore.InfoLevel
}
