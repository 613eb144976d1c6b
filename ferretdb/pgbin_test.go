package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// fakePackage writes a tree shaped like @embedded-postgres/<platform>/native: an executable, a library with a
// relative symbolic link to it, a file others may not read, and a share folder.
func fakePackage(t *testing.T) string {
	t.Helper()

	root := t.TempDir()
	for _, d := range []string{"bin", "lib", "share/timezone"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}

	files := map[string]os.FileMode{
		"bin/postgres":          0o755,
		"bin/initdb":            0o700, // others may not run it: copied, not linked
		"lib/libpq.so.5.18":     0o644,
		"share/timezone/UTC":    0o644,
		"share/postgres.bki":    0o600,
		"pg-symlinks.json":      0o644, // not one of the mirrored folders
		"lib/libicudata.so.7.2": 0o644,
	}
	for f, mode := range files {
		if err := os.WriteFile(filepath.Join(root, f), []byte(f), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(root, f), mode); err != nil {
			t.Fatal(err)
		}
	}

	if err := os.Symlink("libpq.so.5.18", filepath.Join(root, "lib/libpq.so.5")); err != nil {
		t.Fatal(err)
	}

	return root
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()

	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}

	return st.Sys().(*syscall.Stat_t).Ino
}

func TestMirrorTrees(t *testing.T) {
	src := fakePackage(t)
	dst := filepath.Join(t.TempDir(), mirrorDirName)

	if err := mirrorTrees(src, dst); err != nil {
		t.Fatal(err)
	}

	// every folder and file readable by all, executables executable by all, same contents
	want := map[string]os.FileMode{
		"bin/postgres":          0o755,
		"bin/initdb":            0o755,
		"lib/libpq.so.5.18":     0o644,
		"share/timezone/UTC":    0o644,
		"share/postgres.bki":    0o644,
		"lib/libicudata.so.7.2": 0o644,
	}
	for f, mode := range want {
		st, err := os.Stat(filepath.Join(dst, f))
		if err != nil {
			t.Fatal(err)
		}

		if st.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", f, st.Mode().Perm(), mode)
		}

		b, err := os.ReadFile(filepath.Join(dst, f))
		if err != nil || string(b) != f {
			t.Errorf("%s: content %q (%v)", f, b, err)
		}
	}

	for _, d := range []string{"", "bin", "lib", "share", "share/timezone"} {
		st, err := os.Stat(filepath.Join(dst, d))
		if err != nil {
			t.Fatal(err)
		}

		if st.Mode().Perm() != 0o755 {
			t.Errorf("folder %q: mode %v, want 0755", d, st.Mode().Perm())
		}
	}

	// files others could read are linked (one file on disk), the others copied
	if inode(t, filepath.Join(src, "bin/postgres")) != inode(t, filepath.Join(dst, "bin/postgres")) {
		t.Error("bin/postgres was copied, not linked")
	}

	if inode(t, filepath.Join(src, "bin/initdb")) == inode(t, filepath.Join(dst, "bin/initdb")) {
		t.Error("bin/initdb was linked: its permissions would have to change in the package")
	}

	if link, err := os.Readlink(filepath.Join(dst, "lib/libpq.so.5")); err != nil || link != "libpq.so.5.18" {
		t.Errorf("lib/libpq.so.5: %q, %v", link, err)
	}

	if _, err := os.Stat(filepath.Join(dst, "pg-symlinks.json")); !os.IsNotExist(err) {
		t.Errorf("pg-symlinks.json mirrored: %v", err)
	}

	// the same package again: the mirror is kept as it is
	marker := filepath.Join(dst, "share", "kept")
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	if err := mirrorTrees(src, dst); err != nil {
		t.Fatal(err)
	}

	if _, err := os.Stat(marker); err != nil {
		t.Errorf("an up-to-date mirror was rebuilt: %v", err)
	}

	// a reinstalled package (a new postgres file): the mirror is rebuilt from it
	if err := os.Remove(filepath.Join(src, "bin/postgres")); err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(filepath.Join(src, "bin/postgres"), []byte("new postgres"), 0o755); err != nil {
		t.Fatal(err)
	}

	if err := mirrorTrees(src, dst); err != nil {
		t.Fatal(err)
	}

	if b, _ := os.ReadFile(filepath.Join(dst, "bin/postgres")); string(b) != "new postgres" {
		t.Errorf("bin/postgres after a reinstall: %q", b)
	}

	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("the stale mirror's files remain: %v", err)
	}

	if _, err := os.Stat(dst + ".new"); !os.IsNotExist(err) {
		t.Errorf("the mirror's build folder remains: %v", err)
	}
}

func TestMirrorTreesRefusesAbsoluteLinks(t *testing.T) {
	src := fakePackage(t)
	if err := os.Symlink("/usr/lib/libc.so.6", filepath.Join(src, "lib/libc.so.6")); err != nil {
		t.Fatal(err)
	}

	if err := mirrorTrees(src, filepath.Join(t.TempDir(), mirrorDirName)); err == nil {
		t.Fatal("an absolute link was mirrored")
	}
}
