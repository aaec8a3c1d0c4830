package frontend

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/sys/user"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// users is the passes' llbopt.UserDB: it solves the state an exec will run
// on, which the build needs anyway, and reads its /etc/passwd as runc
// would to set the exec's user and HOME.
func (c *optClient) users(ctx context.Context, rootfs *pb.Definition) (pkgcache.Lookup, error) {
	res, err := c.Client.Solve(ctx, gwclient.SolveRequest{Definition: rootfs})
	if err != nil {
		return nil, fmt.Errorf("solving the filesystem: %w", err)
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, fmt.Errorf("solving the filesystem: %w", err)
	}
	if ref == nil {
		return nil, fmt.Errorf("the filesystem is empty: no /etc/passwd")
	}
	dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: "/etc/passwd"})
	if err != nil {
		return nil, fmt.Errorf("reading /etc/passwd: %w", err)
	}
	entries, err := user.ParsePasswd(bytes.NewReader(dt))
	if err != nil {
		return nil, fmt.Errorf("parsing /etc/passwd: %w", err)
	}
	return passwdLookup(entries), nil
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
