// Command ferretdb-embedded is the directory service's zero-config database: FerretDB v1 (a MongoDB wire-protocol
// server, built with the changes in _patch/) over a PostgreSQL of its own, or over an existing PostgreSQL database.
// The service starts it as a child process; it imports FerretDB's embeddable package instead of building FerretDB's
// own CLI, whose released module lacks a generated version file and panics at start.
//
// Nothing listens on TCP. FerretDB listens on a Unix socket, and the embedded PostgreSQL on another, both in
// `<data-dir>/run`, a directory only the owner can enter. Once FerretDB accepts connections the program prints one
// JSON line, {"uri": "mongodb://…"}, on stdout. It stops FerretDB and PostgreSQL (a fast shutdown: every
// acknowledged write is on disk) on SIGINT or SIGTERM, or when its standard input closes because its parent died;
// it exits non-zero when PostgreSQL stops on its own. Killed outright, it takes PostgreSQL down with it
// (PR_SET_PDEATHSIG), and the next start recovers from PostgreSQL's write-ahead log.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// options are the program's settings: flags, and the external PostgreSQL URL from the environment (it may hold
// a password, and the command line is readable by every local user).
type options struct {
	dataDir     string
	pgBin       string // embedded PostgreSQL's bin directory
	postgresURL string // an existing PostgreSQL database instead of the embedded one
	logLevel    slog.Level
	lockWait    time.Duration
}

func main() {
	var opts options

	flag.StringVar(&opts.dataDir, "data-dir", "", "directory for the database's files and sockets (required)")
	flag.StringVar(&opts.pgBin, "pg-bin", "", "bin directory of the PostgreSQL to embed (initdb, postgres)")
	flag.DurationVar(&opts.lockWait, "lock-wait", 5*time.Second, "how long to wait for another process to release the data directory")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	cpuProfile := flag.String("cpu-profile", "", "write a CPU profile (go tool pprof) to this file until stopped")
	flag.Parse()

	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ferretdb-embedded:", err)
			os.Exit(1)
		}

		defer stopProfile()
	}

	opts.postgresURL = os.Getenv("FERRETDB_POSTGRESQL_URL")

	err := opts.logLevel.UnmarshalText([]byte(*logLevel))
	if err == nil {
		err = run(opts)
	}

	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-embedded:", err)

		code := 1
		if errors.Is(err, errLocked) {
			code = exitLocked
		}

		exit(code)
	}
}

func run(opts options) error {
	if opts.dataDir == "" {
		return errors.New("-data-dir is required")
	}

	if opts.postgresURL == "" && opts.pgBin == "" {
		return errors.New("-pg-bin (or FERRETDB_POSTGRESQL_URL) is required")
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: opts.logLevel}))

	// files and sockets this program creates are its owner's only
	syscall.Umask(0o077)

	// FerretDB allocates a document per row it reads: collect less often (the heap is small), within a soft limit
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(384 << 20)

	dataDir, err := filepath.Abs(opts.dataDir)
	if err != nil {
		return err
	}

	layout, err := prepareLayout(dataDir, opts.postgresURL == "")
	if err != nil {
		return err
	}

	// one database per data directory: held until this process exits, however it exits
	if err = lockDataDir(layout.lockFile, opts.lockWait); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The parent keeps our stdin open; EOF means it is gone, so stop rather than linger as an orphan.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()

	pgURL := opts.postgresURL
	pgDone := make(chan error, 1)

	if pgURL == "" {
		pg, err := startPostgres(ctx, layout, opts.pgBin, logger)
		if err != nil {
			return err
		}

		defer pg.stop(logger)

		pgURL = pg.url

		go func() { pgDone <- pg.wait() }()
	}

	if pgURL, err = withCustomPlans(pgURL); err != nil {
		return err
	}

	// a socket left by a process that is gone (the service holds the data directory's lock, so nobody uses it)
	if err = os.Remove(layout.mongoSocket); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{Unix: layout.mongoSocket},
		Logger:        logger,
		Handler:       "postgresql",
		PostgreSQLURL: pgURL,
	})
	if err != nil {
		return err
	}

	ferretCtx, stopFerret := context.WithCancel(ctx)
	defer stopFerret()

	ferretDone := make(chan error, 1)
	go func() { ferretDone <- f.Run(ferretCtx) }()

	if err = waitForSocket(ctx, layout.mongoSocket, ferretDone, pgDone); err != nil {
		return err
	}

	line, _ := json.Marshal(map[string]string{"uri": mongoURI(layout.mongoSocket)})
	fmt.Println(string(line))

	select {
	case <-ctx.Done():
		stopFerret()
		<-ferretDone

		return nil
	case err = <-ferretDone:
		return fmt.Errorf("FerretDB stopped: %v", err)
	case err = <-pgDone:
		// Nothing can be served without PostgreSQL: exit now, so that the service restarts us at once, rather than
		// wait for FerretDB's clients to go (it gives them seconds, answering every request with an error).
		stopFerret()

		select {
		case <-ferretDone:
		case <-time.After(200 * time.Millisecond):
		}

		return fmt.Errorf("PostgreSQL stopped: %v", err)
	}
}

// mongoURI is the MongoDB connection string for a Unix socket: the socket's path, escaped, as the host.
func mongoURI(socket string) string {
	return "mongodb://" + url.PathEscape(socket) + "/"
}

// waitForSocket dials the socket until FerretDB accepts connections, so the URI is printed only once usable.
func waitForSocket(ctx context.Context, socket string, ferretDone, pgDone <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)

	for time.Now().Before(deadline) {
		select {
		case err := <-ferretDone:
			return fmt.Errorf("FerretDB stopped before accepting connections: %v", err)
		case err := <-pgDone:
			return fmt.Errorf("PostgreSQL stopped before FerretDB accepted connections: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}

		if c, err := net.DialTimeout("unix", socket, time.Second); err == nil {
			_ = c.Close()
			return nil
		}

		time.Sleep(50 * time.Millisecond)
	}

	return fmt.Errorf("FerretDB did not accept connections on %s within 30s", socket)
}

// withCustomPlans adds plan_cache_mode=force_custom_plan to a PostgreSQL URL. FerretDB's prepared statements pass
// field names as parameters, and a generic plan cannot match an expression index to them.
func withCustomPlans(postgresURL string) (string, error) {
	u, err := url.Parse(postgresURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// Not err itself: it quotes the URL, password included.
		return "", errors.New("FERRETDB_POSTGRESQL_URL must be a postgres:// URL")
	}

	q := u.Query()
	if !q.Has("plan_cache_mode") {
		q.Set("plan_cache_mode", "force_custom_plan")
	}

	u.RawQuery = q.Encode()

	return u.String(), nil
}
