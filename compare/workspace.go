package compare

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// workspace is the temporary copy of the context and the Dockerfile that
// the builds read and the scenarios change, so that the user's own files
// are never touched.
type workspace struct {
	root       string
	context    string // the copy of the context
	dockerfile string // the directory holding the Dockerfile's copy
	filename   string // the Dockerfile's name in it
}

// newWorkspace copies the context and the Dockerfile (with the
// Dockerfile-specific .dockerignore beside it, if any) into a new
// temporary directory.
func newWorkspace(o Options) (*workspace, error) {
	root, err := os.MkdirTemp("", "optctl-")
	if err != nil {
		return nil, fmt.Errorf("making a workspace: %w", err)
	}
	w := &workspace{root: root, context: filepath.Join(root, "context"), dockerfile: filepath.Join(root, "dockerfile"),
		filename: filepath.Base(o.Dockerfile)}
	if err := copyTree(o.Context, w.context); err != nil {
		w.Close()
		return nil, fmt.Errorf("copying the build context: %w", err)
	}
	if err := os.Mkdir(w.dockerfile, 0o755); err != nil {
		w.Close()
		return nil, fmt.Errorf("making a workspace: %w", err)
	}
	for _, name := range []string{w.filename, w.filename + ".dockerignore"} {
		src := filepath.Join(filepath.Dir(o.Dockerfile), name)
		if _, err := os.Lstat(src); err != nil && name != w.filename {
			continue
		}
		if err := copyFile(src, filepath.Join(w.dockerfile, name), 0o644); err != nil {
			w.Close()
			return nil, fmt.Errorf("copying the Dockerfile: %w", err)
		}
	}
	return w, nil
}

// Close removes the workspace.
func (w *workspace) Close() error {
	return os.RemoveAll(w.root)
}

// copyTree copies the directory src to dst, keeping file modes and
// symbolic links; sockets, devices and pipes are left out, as a build
// context cannot send them either.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			return copyFile(p, target, info.Mode().Perm())
		}
		return nil
	})
}

// copyFile copies one regular file with the given permissions.
func copyFile(src, dst string, perm fs.FileMode) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(out, in)
	return err
}
