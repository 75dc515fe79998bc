package server

import (
	"fmt"
	"os"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func parseLevel(s string) (zapcore.Level, error) {
	switch strings.ToUpper(s) {
	case "TRACE", "DEBUG":
		return zap.DebugLevel, nil
	case "INFO":
		return zap.InfoLevel, nil
	case "WARNING", "WARN":
		return zap.WarnLevel, nil
	case "ERROR":
		return zap.ErrorLevel, nil
	case "CRITICAL":
		return zap.DPanicLevel, nil
	}
	return 0, fmt.Errorf("--log-level %q is not one of TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL", s)
}

// Keys the log encoder writes itself; no log field may use them, or a JSON
// reader would lose one of the two values.
const (
	logTimeKey    = "time"
	logLevelKey   = "level"
	logMessageKey = "msg"
	logCallerKey  = "caller"
	logStackKey   = "stacktrace"
	logNameKey    = "logger"
)

// LogEncoderConfig is the JSON line format of Quiver's logs: ISO-8601
// timestamps with milliseconds and the zone offset under "time".
func LogEncoderConfig() zapcore.EncoderConfig {
	ec := zap.NewProductionEncoderConfig()
	ec.TimeKey = logTimeKey
	ec.LevelKey = logLevelKey
	ec.MessageKey = logMessageKey
	ec.CallerKey = logCallerKey
	ec.StacktraceKey = logStackKey
	ec.NameKey = logNameKey
	ec.EncodeTime = zapcore.TimeEncoderOfLayout("2006-01-02T15:04:05.000Z07:00")
	return ec
}

// NewLogger builds the production logger at the configured level, writing
// JSON lines to standard error and, when file is not empty, appending them
// to file too (Memgraph's --log-file). The returned function flushes and
// closes the file.
func NewLogger(level, file string) (*zap.Logger, func(), error) {
	lvl, err := parseLevel(level)
	if err != nil {
		return nil, nil, err
	}
	ws := zapcore.Lock(os.Stderr)
	var f *os.File
	if file != "" {
		f, err = os.OpenFile(file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("--log-file %s cannot be opened: %v", file, err)
		}
		ws = zapcore.NewMultiWriteSyncer(ws, zapcore.Lock(f))
	}
	core := zapcore.NewCore(zapcore.NewJSONEncoder(LogEncoderConfig()), ws, lvl)
	log := zap.New(core, zap.AddCaller(), zap.AddStacktrace(zap.DPanicLevel))
	return log, func() {
		_ = log.Sync()
		if f != nil {
			_ = f.Close()
		}
	}, nil
}
