package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	stdlog "log"
	"log/slog"
	"os"
	"regexp"
)

// maxStdioLine caps one captured line in the log.
const maxStdioLine = 8 << 10

var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// logStdio sends what libraries print on the process's standard output and error, or through
// the standard log package, to log: one JSON record per line. The embedded S3 gateway prints
// that way (fmt.Println in its posix backend and IAM setup, log.Printf warnings, shutdown errors
// on os.Stderr); left alone its plain lines would break the JSON log. Lines that are JSON
// already are written to out unchanged. The returned function puts the streams back and waits
// for the last lines; no goroutine may print while the streams are swapped or put back.
func logStdio(log *slog.Logger, out io.Writer) (restore func(), err error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, err
	}
	stdout, stderr := os.Stdout, os.Stderr
	logOut, logFlags := stdlog.Writer(), stdlog.Flags()
	os.Stdout, os.Stderr = outW, errW
	stdlog.SetOutput(errW)
	stdlog.SetFlags(0)

	done := make(chan struct{}, 2)
	go logLines(outR, log, out, slog.LevelInfo, "stdout", done)
	go logLines(errR, log, out, slog.LevelWarn, "stderr", done)
	return func() {
		os.Stdout, os.Stderr = stdout, stderr
		stdlog.SetOutput(logOut)
		stdlog.SetFlags(logFlags)
		outW.Close()
		errW.Close()
		<-done
		<-done
	}, nil
}

func logLines(r *os.File, log *slog.Logger, out io.Writer, level slog.Level, stream string, done chan<- struct{}) {
	defer func() {
		r.Close()
		done <- struct{}{}
	}()
	br := bufio.NewReader(r)
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk[:min(len(chunk), maxStdioLine-len(line))]...)
		if err == bufio.ErrBufferFull {
			continue
		}
		logLine(bytes.TrimSpace(line), log, out, level, stream)
		line = line[:0]
		if err != nil {
			return
		}
	}
}

func logLine(line []byte, log *slog.Logger, out io.Writer, level slog.Level, stream string) {
	switch {
	case len(line) == 0:
		return
	case line[0] == '{' && json.Valid(line):
		_, _ = out.Write(append(line, '\n'))
		return
	case bytes.HasPrefix(bytes.ToUpper(line), []byte("WARNING")):
		level = slog.LevelWarn
	}
	log.Log(context.Background(), level, string(ansiEscape.ReplaceAll(line, nil)), "stream", stream)
}
