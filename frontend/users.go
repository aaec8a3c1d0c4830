package frontend

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/sys/user"
	digest "github.com/opencontainers/go-digest"
	"google.golang.org/protobuf/proto"

	"github.com/org/optfrontend/llbopt"
	"github.com/org/optfrontend/llbopt/pkgcache"
)

// users is the passes' llbopt.UserDB: it solves the state an exec will run
// on, which the build needs anyway, and reads its /etc/passwd as runc
// would to set the exec's user and HOME.
func (c *optClient) users(ctx context.Context, rootfs *pb.Definition) (pkgcache.Lookup, error) {
	dt, err := c.readFile(ctx, rootfs, "/etc/passwd")
	if err != nil {
		return nil, err
	}
	entries, err := user.ParsePasswd(bytes.NewReader(dt))
	if err != nil {
		return nil, fmt.Errorf("parsing /etc/passwd: %w", err)
	}
	return passwdLookup(entries), nil
}

// readFile is the passes' llbopt.FileReader: it solves the definition,
// running what it needs, and reads one file of the result.
func (c *optClient) readFile(ctx context.Context, def *pb.Definition, file string) ([]byte, error) {
	ref, err := c.solveRef(ctx, def)
	if err != nil {
		return nil, err
	}
	if ref == nil {
		return nil, fmt.Errorf("the result is empty: no %s", file)
	}
	dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: file})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return dt, nil
}

// readDir is the passes' llbopt.DirReader: the names readEntries lists.
func (c *optClient) readDir(ctx context.Context, def *pb.Definition, dir string) ([]string, error) {
	entries, err := c.readEntries(ctx, def, dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name)
	}
	return names, nil
}

// readEntries is the passes' llbopt.EntryReader: it solves the
// definition, as readFile does, and lists one directory of the result with
// each entry's type and link target.
func (c *optClient) readEntries(ctx context.Context, def *pb.Definition, dir string) ([]llbopt.DirEntry, error) {
	ref, err := c.solveRef(ctx, def)
	if err != nil || ref == nil {
		return nil, err // scratch: an empty directory
	}
	entries, err := ref.ReadDir(ctx, gwclient.ReadDirRequest{Path: dir})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	out := make([]llbopt.DirEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, llbopt.DirEntry{Name: e.Path, Mode: os.FileMode(e.Mode), Linkname: e.Linkname})
	}
	return out, nil
}

// solveRef solves a definition past the passes (it is a part of the graph
// they are working on) and returns its single result; nil for scratch.
func (c *optClient) solveRef(ctx context.Context, def *pb.Definition) (gwclient.Reference, error) {
	dt, err := proto.MarshalOptions{Deterministic: true}.Marshal(def)
	if err != nil {
		return nil, fmt.Errorf("solving: %w", err)
	}
	key := digest.FromBytes(dt)
	c.mu.Lock()
	ref, ok := c.solved[key]
	c.mu.Unlock()
	if ok {
		return ref, nil
	}
	ref, err = c.solveOnce(ctx, def)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.solved[key] = ref
	c.mu.Unlock()
	return ref, nil
}

// solveOnce solves def and returns its single result.
func (c *optClient) solveOnce(ctx context.Context, def *pb.Definition) (gwclient.Reference, error) {
	res, err := c.Client.Solve(ctx, gwclient.SolveRequest{Definition: def, Evaluate: true})
	if err != nil {
		return nil, fmt.Errorf("solving: %w", err)
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, fmt.Errorf("solving: %w", err)
	}
	return ref, nil
}

// passwdLookup finds a user by name, or by uid as runc does for a numeric
// USER.
func passwdLookup(entries []user.User) pkgcache.Lookup {
	return func(name string) (uid, gid int, home string, ok bool) {
		for _, u := range entries {
			if u.Name == name || strconv.Itoa(u.Uid) == name {
				return u.Uid, u.Gid, u.Home, true
			}
		}
		return 0, 0, "", false
	}
}
