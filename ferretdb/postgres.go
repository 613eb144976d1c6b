package main

// The embedded PostgreSQL: a cluster in <data-dir>/postgresql, initialised on first start (UTF-8, "C" locale, so
// that strings sort by code point as in MongoDB and the typed queries of _patch/ may sort and range on them), that
// listens on a Unix socket in <data-dir>/run only. As root, it runs as the `postgres` user (PostgreSQL refuses to
// run as root).

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	pgUser     = "ferretdb" // the cluster's superuser
	pgDatabase = "ferretdb" // the database FerretDB keeps its schemas in
	pgPort     = 5432       // names the socket file only: nothing listens on TCP

	// maxSocketPath is the longest Unix socket path (sun_path holds 108 bytes with the terminating NUL).
	maxSocketPath = 107
)

// layout is where the database keeps its files and sockets.
type layout struct {
	pgData      string // the PostgreSQL cluster
	runDir      string // both sockets
	mongoSocket string
	pgSocket    string
	lockFile    string
	owner       *syscall.Credential // PostgreSQL's user when running as root; nil otherwise
}

// prepareLayout creates the data directory's folders with owner-only permissions. As root with an embedded
// PostgreSQL, the cluster and the socket folder belong to the `postgres` user.
func prepareLayout(dataDir string, embedded bool) (*layout, error) {
	l := &layout{
		pgData: filepath.Join(dataDir, "postgresql"),
		runDir: filepath.Join(dataDir, "run"),
	}
	l.mongoSocket = filepath.Join(l.runDir, "mongodb.sock")
	l.pgSocket = filepath.Join(l.runDir, fmt.Sprintf(".s.PGSQL.%d", pgPort))
	l.lockFile = filepath.Join(dataDir, "lock")

	for _, s := range []string{l.mongoSocket, l.pgSocket} {
		if len(s) > maxSocketPath {
			return nil, fmt.Errorf(
				"the data directory %s is too long for a Unix socket path (%s is %d bytes, at most %d): choose a shorter one",
				dataDir, s, len(s), maxSocketPath,
			)
		}
	}

	if embedded && os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, errors.New(
				"running as root, and PostgreSQL refuses to run as root: create a `postgres` system user " +
					"(useradd --system --no-create-home postgres), or run the service as another user",
			)
		}

		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		l.owner = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}

	dirMode := os.FileMode(0o700)
	if l.owner != nil {
		dirMode = 0o711 // PostgreSQL's user passes through to its own folders, and lists nothing
	}

	// the folders above DATA_DIR that this creates get dirMode too (the umask is 077)
	created := []string{}
	for p := filepath.Dir(dataDir); ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil || p == filepath.Dir(p) {
			break
		}

		created = append(created, p)
	}

	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}

	for _, p := range append(created, dataDir) {
		if err := os.Chmod(p, dirMode); err != nil {
			return nil, err
		}
	}

	if l.owner != nil {
		if blocked := unreachableParent(dataDir, l.owner); blocked != "" {
			return nil, fmt.Errorf(
				"PostgreSQL runs as the `postgres` user (the service runs as root) and cannot reach DATA_DIR %s: "+
					"the `postgres` user may not enter %s. Set DATA_DIR to a folder it can reach (such as "+
					"/var/lib/directory), let it pass through (chmod o+x %s), or run the service as another user",
				dataDir, blocked, blocked,
			)
		}
	}

	dirs := []string{l.runDir}
	if embedded {
		dirs = append(dirs, l.pgData)
	}

	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}

		if err := os.Chmod(d, 0o700); err != nil {
			return nil, err
		}

		if l.owner != nil {
			if err := os.Chown(d, int(l.owner.Uid), int(l.owner.Gid)); err != nil {
				return nil, err
			}
		}
	}

	return l, nil
}

// unreachableParent returns the first folder above dir that user cannot pass through (by its owner, group or
// other permission bits), or "".
func unreachableParent(dir string, user *syscall.Credential) string {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err == nil && !canSearch(st, user) {
			return p
		}

		if p == filepath.Dir(p) {
			return ""
		}
	}
}

// canSearch tells whether user may pass through the folder st describes (its supplementary groups aside).
func canSearch(st os.FileInfo, user *syscall.Credential) bool {
	perm := st.Mode().Perm()

	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		switch {
		case sys.Uid == user.Uid:
			return perm&0o100 != 0
		case sys.Gid == user.Gid:
			return perm&0o010 != 0
		}
	}

	return perm&0o001 != 0
}

// postgres is a running embedded PostgreSQL.
type postgres struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{} // closed when the process has exited
	err    error         // its exit status, once exited
}

// startPostgres initialises the cluster when needed, starts PostgreSQL and waits until it accepts connections.
func startPostgres(ctx context.Context, l *layout, bin string, logger *slog.Logger) (*postgres, error) {
	bin, err := reachableBin(l, bin, logger)
	if err != nil {
		return nil, err
	}

	if _, err := os.Stat(filepath.Join(l.pgData, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err = initdb(l, bin, logger); err != nil {
			return nil, err
		}
	}

	if err := stopOrphan(l, logger); err != nil {
		return nil, err
	}

	pg := &postgres{exited: make(chan struct{})}
	started := make(chan error, 1)

	// PR_SET_PDEATHSIG is tied to the thread that starts the child: that thread waits for it and never exits first.
	go func() {
		runtime.LockOSThread()

		pg.cmd = pgCommand(l, bin, "postgres",
			"-D", l.pgData,
			"-k", l.runDir,
			"-p", strconv.Itoa(pgPort),
			"-c", "listen_addresses=",
			"-c", "unix_socket_permissions=0700",
			"-c", "max_connections=200",
			"-c", "log_min_messages=warning",
			"-c", "fsync=on",
			"-c", "synchronous_commit=on",
			// statistics follow a bulk load (Entra's first cycle, a restore) within seconds: without them, for the
			// minute autovacuum waited between rounds, the planner picked indexes by guesswork (a page's memberships read
			// through the (tenant, group, user) index took 40 ms instead of 6)
			"-c", "autovacuum_naptime=5s",
			// a vacuum after every 1% of a table inserted (PostgreSQL's default: 20%) keeps its visibility map
			// current, so that counts stay index-only scans: after Entra's first cycle a tenant's last few thousand
			// users were not "all visible", and every totalCount read each of them from the table (a count of 5,000
			// users: 8.5 ms of database CPU instead of 1.5)
			"-c", "autovacuum_vacuum_insert_scale_factor=0.01",
		)
		pg.cmd.Stdout = os.Stderr
		pg.cmd.Stderr = os.Stderr
		pg.cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
		pg.cmd.SysProcAttr.Setpgid = true

		if err := pg.cmd.Start(); err != nil {
			started <- fmt.Errorf("starting PostgreSQL: %w", err)
			return
		}

		started <- nil

		pg.err = pg.cmd.Wait()
		close(pg.exited)
	}()

	if err := <-started; err != nil {
		return nil, err
	}

	pg.url = fmt.Sprintf("postgres://%s@/%s?host=%s", pgUser, pgDatabase, url.QueryEscape(l.runDir))

	if err := pg.ready(ctx, l); err != nil {
		pg.stop(logger)
		return nil, err
	}

	return pg, nil
}

// pgCommand is one of PostgreSQL's programs in bin, run as PostgreSQL's user (l.owner; this process's user when
// nil), in the cluster's folder (the checkout it was started from may be closed to that user), in the "C" locale.
func pgCommand(l *layout, bin, program string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(bin, program), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C", "TZ=UTC")
	cmd.Dir = l.pgData
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: l.owner}

	return cmd
}

// initdb creates the cluster: UTF-8, "C" locale, trust over the owner-only socket, no TCP.
func initdb(l *layout, bin string, logger *slog.Logger) error {
	// a folder left by an initdb that did not finish: initdb needs an empty one
	entries, err := os.ReadDir(l.pgData)
	if err != nil {
		return err
	}

	for _, e := range entries {
		if err = os.RemoveAll(filepath.Join(l.pgData, e.Name())); err != nil {
			return err
		}
	}

	logger.Info("initialising the embedded PostgreSQL cluster", slog.String("dir", l.pgData))

	cmd := pgCommand(l, bin, "initdb",
		"-D", l.pgData,
		"-U", pgUser,
		"--encoding=UTF8",
		"--locale=C",
		"--auth-local=trust",
		"--auth-host=reject",
		"--no-instructions",
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb failed: %v\n%s", err, out)
	}

	return nil
}

// ready waits until PostgreSQL accepts connections, then creates FerretDB's database when missing.
func (pg *postgres) ready(ctx context.Context, l *layout) error {
	admin := fmt.Sprintf("postgres://%s@/postgres?host=%s", pgUser, url.QueryEscape(l.runDir))
	deadline := time.Now().Add(60 * time.Second)

	var conn *pgx.Conn

	for {
		select {
		case <-pg.exited:
			return fmt.Errorf("PostgreSQL stopped while starting: %v", pg.err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}

		c, err := pgx.Connect(ctx, admin)
		if err == nil {
			conn = c
			break
		}

		if time.Now().After(deadline) {
			return fmt.Errorf("PostgreSQL did not accept connections within 60s: %v", err)
		}

		time.Sleep(100 * time.Millisecond)
	}

	defer conn.Close(context.Background()) //nolint:errcheck // nothing to do about it

	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, pgDatabase).Scan(&exists); err != nil {
		return err
	}

	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{pgDatabase}.Sanitize()); err != nil {
			return err
		}
	}

	return nil
}

// wait blocks until PostgreSQL exits and returns its exit status.
func (pg *postgres) wait() error {
	<-pg.exited

	if pg.err == nil {
		return errors.New("exited")
	}

	return pg.err
}

// stop shuts PostgreSQL down fast (every committed transaction is on disk already), then harder if it hangs.
func (pg *postgres) stop(logger *slog.Logger) {
	for _, step := range []struct {
		sig     syscall.Signal
		timeout time.Duration
	}{{syscall.SIGINT, 60 * time.Second}, {syscall.SIGQUIT, 10 * time.Second}, {syscall.SIGKILL, 10 * time.Second}} {
		select {
		case <-pg.exited:
			return
		default:
		}

		_ = pg.cmd.Process.Signal(step.sig)

		select {
		case <-pg.exited:
			return
		case <-time.After(step.timeout):
			logger.Warn("PostgreSQL did not stop", slog.String("signal", step.sig.String()))
		}
	}
}

// stopOrphan waits for a PostgreSQL left running on the cluster by a previous run of this program that died
// (it was told to stop when its parent died, and may still be shutting down), after telling it to stop again.
// The data directory's lock shows that no live process of ours owns it. A postmaster that has exited but was not
// reaped (a zombie: its new parent may never wait for it) still holds its pid, and PostgreSQL would refuse to start
// on its postmaster.pid for ever: that file is removed.
func stopOrphan(l *layout, logger *slog.Logger) error {
	pidFile := filepath.Join(l.pgData, "postmaster.pid")

	b, err := os.ReadFile(pidFile)
	if err != nil {
		return nil //nolint:nilerr // no postmaster.pid: nothing runs
	}

	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		return nil //nolint:nilerr // not ours to judge: PostgreSQL reports it
	}

	if isPostmasterOf(pid, l.pgData) {
		logger.Warn("stopping a PostgreSQL left by a previous run", slog.Int("pid", pid))
		_ = syscall.Kill(pid, syscall.SIGINT)

		deadline := time.Now().Add(90 * time.Second)
		for isPostmasterOf(pid, l.pgData) {
			if time.Now().After(deadline) {
				return fmt.Errorf("a PostgreSQL (pid %d) left by a previous run still runs on %s", pid, l.pgData)
			}

			time.Sleep(100 * time.Millisecond)
		}
	}

	if isZombie(pid) {
		if err = os.Remove(pidFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}

	return nil
}

// isZombie tells whether pid is a process that has exited and was not reaped.
func isZombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}

	// "pid (comm) state …": the state follows the last ')'
	i := strings.LastIndexByte(string(stat), ')')

	return i > 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// isPostmasterOf tells whether pid is a postgres process started on this cluster (not a reused pid).
func isPostmasterOf(pid int, pgData string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}

	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")

	return len(args) > 2 && filepath.Base(args[0]) == "postgres" && slices.Contains(args, pgData)
}
