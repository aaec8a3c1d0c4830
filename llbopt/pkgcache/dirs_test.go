package pkgcache

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestResolveUser(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   string
		lookup Lookup
		want   identity
		err    error
	}{
		{"empty is root", "", nil, identity{home: "/root"}, nil},
		{"root", "root", nil, identity{home: "/root"}, nil},
		{"zero", "0", nil, identity{home: "/root"}, nil},
		{"root via lookup", "root", passwd, identity{home: "/root"}, nil},
		{"numeric without lookup", "1000", nil, identity{uid: 1000}, nil},
		{"numeric with group", "1000:1000", nil, identity{uid: 1000, gid: 1000}, nil},
		{"root group name", "1000:root", nil, identity{uid: 1000}, nil},
		{"numeric via lookup", "1000", passwd, identity{uid: 1000, gid: 1000, home: "/home/node"}, nil},
		{"numeric not in passwd", "4242", passwd, identity{uid: 4242, home: "/"}, nil},
		{"name via lookup", "node", passwd, identity{uid: 1000, gid: 1000, home: "/home/node"}, nil},
		{"name with numeric group", "app:7", passwd, identity{uid: 1001, gid: 7, home: "/srv/app"}, nil},
		{"name with group name keeps primary gid", "app:staff", passwd, identity{uid: 1001, gid: 1002, home: "/srv/app"}, nil},
		{"name without lookup", "node", nil, identity{}, ErrUnknownUser},
		{"name not in passwd", "ghost", passwd, identity{}, ErrUnknownUser},
		{"uid out of range", "99999999999", nil, identity{}, ErrUnknownUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := resolveUser(tc.spec, tc.lookup)
			if tc.err != nil {
				require.ErrorIs(t, got.err, tc.err)
				return
			}
			require.NoError(t, got.err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestOwner(t *testing.T) {
	require.Nil(t, identity{}.owner())
	require.Nil(t, identity{gid: 5}.owner())
	require.Equal(t, &Owner{UID: 1000, GID: 0}, identity{uid: 1000}.owner())
}

func TestRelation(t *testing.T) {
	for _, tc := range []struct {
		target, dir string
		want        rel
	}{
		{"/var/lib/apt/lists", "/var/lib/apt/lists", relMountPoint},
		{"/var/lib/apt", "/var/lib/apt/lists", relMountPoint},
		{"/", "/x", relMountPoint},
		{"/var/lib/apt/lists/*", "/var/lib/apt/lists", relInside},
		{"/var/lib/apt/lists/partial", "/var/lib/apt/lists", relInside},
		{"/var/lib/apt/list", "/var/lib/apt/lists", relNone},
		{"/var/lib/apt/listsx", "/var/lib/apt/lists", relNone},
		{"/root/.cache/*", "/root/.cache/pip", relMountPoint},
		{"/root/*", "/root/.cache/pip", relNone},
		{"/root/.*", "/root/.cache/pip", relMountPoint},
		{"/root/*", "/root/go/pkg/mod", relMountPoint},
		{"/tmp/*", "/root/.npm", relNone},
		{"/var/cache/apt/archives/*.deb", "/var/cache/apt", relInside},
	} {
		t.Run(tc.target+" "+tc.dir, func(t *testing.T) {
			require.Equal(t, tc.want, relation(tc.target, tc.dir))
		})
	}
}
