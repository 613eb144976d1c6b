// Command ferretdb-embedded runs FerretDB v1 (a MongoDB wire-protocol server) as a child process of the
// directory service and its tests. It imports FerretDB's embeddable package instead of building FerretDB's
// own CLI, whose released module lacks a generated version file and panics at start.
//
// It listens on loopback only, prints one JSON line {"uri": "..."} on stdout once it accepts connections,
// and stops when it receives SIGINT/SIGTERM or when its standard input closes (its parent died).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	handler := flag.String("handler", "sqlite", "backend: sqlite or postgresql")
	dataDir := flag.String("data-dir", "./.data", "directory for the SQLite backend's files")
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to listen on (port 0 picks a free port)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()

	// The PostgreSQL URL may hold a password: it comes from the environment, never from the command line (which
	// every local user can read in the process list).
	if err := run(*handler, *dataDir, os.Getenv("FERRETDB_POSTGRESQL_URL"), *listen, *logLevel); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-embedded:", err)
		os.Exit(1)
	}
}

func run(handler, dataDir, postgresURL, listen, logLevel string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("bad -listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-listen must be a loopback address, got %q", listen)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("bad -log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	cfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: listen},
		Logger:   logger,
		Handler:  handler,
	}
	switch handler {
	case "sqlite":
		abs, err := filepath.Abs(dataDir)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return err
		}
		cfg.SQLiteURL = "file:" + abs + "/"
	case "postgresql":
		if postgresURL == "" {
			return fmt.Errorf("FERRETDB_POSTGRESQL_URL is required for the postgresql backend")
		}
		u, err := withCustomPlans(postgresURL)
		if err != nil {
			return err
		}
		cfg.PostgreSQLURL = u
	default:
		return fmt.Errorf("unknown -handler %q (sqlite or postgresql)", handler)
	}

	f, err := ferretdb.New(cfg)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The parent keeps our stdin open; EOF means it is gone, so stop rather than linger as an orphan.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	if handler == "postgresql" {
		go mirrorIndexes(ctx, postgresURL, time.Second, logger)
	}

	uri := f.MongoDBURI()
	if err := waitForListener(ctx, uri, done); err != nil {
		return err
	}
	line, _ := json.Marshal(map[string]string{"uri": uri})
	fmt.Println(string(line))

	return <-done
}

// waitForListener dials the listener until it accepts a connection, so the URI is printed only once usable.
func waitForListener(ctx context.Context, uri string, done <-chan error) error {
	addr := uri[len("mongodb://"):]
	if i := strings.IndexByte(addr, '/'); i >= 0 {
		addr = addr[:i]
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return fmt.Errorf("stopped before accepting connections: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("listener %s did not accept connections within 30s", addr)
}
