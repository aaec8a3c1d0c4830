package llbopt

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
)

// The layer check proves, in the build, that an image made of other
// layers than the Dockerfile's still works: the passes that leave a
// step's layer out (buildtools) or put the steps' layers on another base
// (slimbase) run it on the image they would export before they change
// the graph.

// checkScript is the layer check. It runs on the image a pass would
// export, with what the steps it keeps made mounted at /.optfrontend/made
// and, for buildtools, the install it leaves out at /.optfrontend/tools,
// for slim the two base images at /.optfrontend/bases/{full,slim}, and
// writes its verdict to /.optfrontend/out/report: "ok <kB of the tools'
// layer>", or the files whose libraries do not resolve, the files of the
// base the steps changed that the two bases hold differently, the
// packages the install upgraded or brought that are no build tools, or
// why it could not check.
const checkScript = `set -u
out=/.optfrontend/out/report
command -v ldd >/dev/null 2>&1 || { echo "cannot check: no ldd in the image" > "$out"; exit 0; }
command -v find >/dev/null 2>&1 || { echo "cannot check: no find in the image" > "$out"; exit 0; }
missing=$(cd /.optfrontend/made && find . -type f \( -perm -u+x -o -name '*.so' -o -name '*.so.*' \) 2>/dev/null |
  while IFS= read -r f; do
    p=/${f#./}
    l=$(ldd "$p" 2>/dev/null | grep 'not found') && printf '%s: %s\n' "$p" "$(echo $l)"
  done)
if [ -n "$missing" ]; then printf 'missing libraries\n%s\n' "$missing" > "$out"; exit 0; fi
after=/.optfrontend/tools/var/lib/dpkg/status
if [ -e /.optfrontend/made/var/lib/dpkg/status ]; then
  echo "a later step ran the package manager, and dpkg's database would list packages the image no longer has" > "$out"; exit 0
fi
if [ -d /.optfrontend/bases/full ]; then
  # A file of the base the steps changed ships as the full base's, changed:
  # right only where the slim base holds the same file.
  command -v cmp >/dev/null 2>&1 || { echo "cannot check: no cmp in the image" > "$out"; exit 0; }
  changed=$(cd /.optfrontend/made && find . ! -type d 2>/dev/null |
    while IFS= read -r f; do
      p=${f#.}
      if [ -e "/.optfrontend/bases/full$p" ] || [ -L "/.optfrontend/bases/full$p" ]; then
        case "$p" in
        /etc/passwd|/etc/group|/etc/shadow|/etc/gshadow)
          # The user database (useradd): the full base's may list more
          # users and groups; every line of the slim base's must be there.
          if [ -f "/.optfrontend/bases/slim$p" ] && ! grep -qvxFf "/.optfrontend/bases/full$p" "/.optfrontend/bases/slim$p"; then continue; fi;;
        /etc/passwd-|/etc/group-|/etc/shadow-|/etc/gshadow-)
          # Their backups, the file before the change: nothing reads them.
          continue;;
        esac
        cmp -s "/.optfrontend/bases/full$p" "/.optfrontend/bases/slim$p" || printf '%s\n' "$p"
      fi
    done | head -n 20)
  if [ -n "$changed" ]; then printf 'the steps change files the two base images hold differently\n%s\n' "$changed" > "$out"; exit 0; fi
fi
if [ -f "$after" ]; then
  command -v awk >/dev/null 2>&1 || { echo "cannot check: no awk in the image" > "$out"; exit 0; }
  before=/var/lib/dpkg/status
  [ -f "$before" ] || before=/dev/null
  pkgs=$(awk -v buildonly="$OPT_BUILD_ONLY" '
    /^Package: / { p = $2 }
    /^Version: / {
      if (FILENAME == ARGV[1]) { v[p] = $2; next }
      if (p in v) { if (v[p] != $2) up = up " " p " " v[p] " -> " $2; next }
      if (p !~ buildonly && p !~ /^lib/) run = run " " p
    }
    END {
      if (up != "") print "it would undo the upgrades the install made:" up
      if (run != "") print "it would take out packages the install brought that are no build tools:" run
    }' "$before" "$after")
  if [ -n "$pkgs" ]; then printf '%s\n' "$pkgs" > "$out"; exit 0; fi
fi
kb=$(du -sk /.optfrontend/tools 2>/dev/null | cut -f1)
echo "ok ${kb:-0}" > "$out"
`

// checkMounts are the layer check's optional inputs.
type checkMounts struct {
	// tools is the layer a pass leaves out (buildtools).
	tools *Edge
	// full and slim are the two base images of the slim fix.
	full, slim *Edge
}

// layerCheck runs checkScript on image, with made and the optional
// mounts, and returns its verdict; the check is reported at at's lines.
// buildOnly is the extended regular expression of the packages the tools'
// install may bring (OPT_BUILD_ONLY in the script); only read with tools.
func layerCheck(ctx context.Context, g *Graph, read FileReader, at *Node, image, made Edge, m checkMounts, buildOnly, name string) (string, error) {
	inputs := []Edge{image, made}
	mounts := []*pb.Mount{
		// The root is an output so that it is writable: the mount
		// points are made in it.
		{Input: 0, Dest: "/", Output: 0},
		{Input: 1, Dest: "/.optfrontend/made", Output: int64(pb.SkipOutput), Readonly: true},
		{Input: int64(pb.Empty), Dest: "/.optfrontend/out", Output: 1},
	}
	add := func(e *Edge, dest string) {
		if e == nil {
			return
		}
		// Images are pinned by digest: keyed by their definition, they
		// need no checksum of every file (which grows with the image).
		mounts = append(mounts, &pb.Mount{Input: int64(len(inputs)), Dest: dest, Output: int64(pb.SkipOutput), Readonly: true,
			ContentCache: pb.MountContentCache_OFF})
		inputs = append(inputs, *e)
	}
	add(m.full, "/.optfrontend/bases/full")
	add(m.slim, "/.optfrontend/bases/slim")
	if m.tools != nil {
		mounts = append(mounts, &pb.Mount{Input: int64(len(inputs)), Dest: "/.optfrontend/tools", Output: int64(pb.SkipOutput), Readonly: true})
		inputs = append(inputs, *m.tools)
	}
	n := addExec(g, execSpec{
		Platform: at.Op.Platform,
		Meta: &pb.Meta{Args: []string{"/bin/sh", "-c", checkScript}, Cwd: "/", RemoveMountStubsRecursive: true,
			Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "OPT_BUILD_ONLY=" + buildOnly}},
		Mounts:  mounts,
		Network: pb.NetMode_NONE,
		Inputs:  inputs,
		Name:    name,
		Caps:    []apicaps.CapID{pb.CapExecMetaBase, pb.CapExecMountBind, pb.CapExecMetaNetwork, pb.CapDiffOp, pb.CapMergeOp, pb.CapExecMountContentCache},
	})
	if len(at.Locations) > 0 {
		n.Locations = at.Locations
	}
	def, err := g.Definition(Edge{Node: n, Index: 1})
	if err != nil {
		return "", fmt.Errorf("encoding the layer check: %w", err)
	}
	dt, err := read(ctx, def, "/report")
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, "did not complete successfully"); i >= 0 {
			msg = msg[i:] // not the whole script again
		}
		return fmt.Sprintf("the check could not run (%s)", msg), nil
	}
	return string(bytes.TrimSpace(dt)), nil
}
