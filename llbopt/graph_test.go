package llbopt

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// sampleDefinitions are graphs in the shapes dockerfile2llb emits: images,
// local sources, execs with mounts, file ops, merges and diffs, source
// locations and custom names.
func sampleDefinitions(t testing.TB) map[string]*pb.Definition {
	t.Helper()
	ctx := context.Background()
	sm := llb.NewSourceMap(nil, "Dockerfile", "dockerfile", []byte("FROM busybox\nRUN echo hi\nCOPY . /app\n"))
	base := llb.Image("docker.io/library/busybox:latest", sm.Location([]*pb.Range{{Start: &pb.Position{Line: 1}, End: &pb.Position{Line: 1}}}))
	run := base.Run(
		llb.Shlex("sh -c 'echo hi > /hi'"),
		llb.AddEnv("PATH", "/bin"),
		llb.AddMount("/cache", llb.Scratch(), llb.AsPersistentCacheDir("pip", llb.CacheMountLocked)),
		llb.WithCustomName("[2/3] RUN echo hi"),
		sm.Location([]*pb.Range{{Start: &pb.Position{Line: 2}, End: &pb.Position{Line: 2}}}),
	).Root()
	ctxSrc := llb.Local("context", llb.SharedKeyHint("context"))
	copied := run.File(llb.Copy(ctxSrc, "/", "/app", &llb.CopyInfo{CreateDestPath: true}),
		sm.Location([]*pb.Range{{Start: &pb.Position{Line: 3}, End: &pb.Position{Line: 3}}}))
	states := map[string]llb.State{
		"scratch":   llb.Scratch().File(llb.Mkdir("/x", 0o755)),
		"image":     base,
		"run":       run,
		"copy":      copied,
		"merge":     llb.Merge([]llb.State{base, llb.Diff(base, copied)}),
		"multi-out": base.Run(llb.Shlex("true")).AddMount("/out", llb.Scratch()),
	}
	defs := map[string]*pb.Definition{}
	for name, st := range states {
		def, err := st.Marshal(ctx, llb.LinuxAmd64)
		require.NoError(t, err, name)
		defs[name] = def.ToPB()
	}
	return defs
}

func TestRoundTripIsExact(t *testing.T) {
	for name, def := range sampleDefinitions(t) {
		t.Run(name, func(t *testing.T) {
			g, err := Decode(def)
			require.NoError(t, err)
			require.NoError(t, g.Validate())
			out, err := g.Encode()
			require.NoError(t, err)
			require.Equal(t, def.Def, out.Def, "op bytes and order must be unchanged")
			require.True(t, proto.Equal(def, out), "metadata and source map must be unchanged")
		})
	}
}

func TestEncodeRecomputesChangedDigests(t *testing.T) {
	def := sampleDefinitions(t)["copy"]
	g, err := Decode(def)
	require.NoError(t, err)

	exec := findExec(t, g)
	before := map[*Node]string{}
	for _, n := range g.Nodes() {
		before[n] = string(n.Digest())
	}
	exec.Op.GetExec().Meta.Cwd = "/elsewhere"
	out, err := g.Encode()
	require.NoError(t, err)
	require.Len(t, out.Def, len(def.Def))

	changed := map[*Node]bool{exec: true}
	for _, n := range g.Nodes() {
		for _, e := range n.Inputs {
			if changed[e.Node] {
				changed[n] = true
			}
		}
		if changed[n] {
			require.NotEqual(t, before[n], string(n.Digest()), "op depending on the edit must get a new digest")
		} else {
			require.Equal(t, before[n], string(n.Digest()), "untouched op must keep its digest")
		}
		if n.Metadata != nil {
			require.Same(t, n.Metadata, out.Metadata[string(n.Digest())], "metadata must be re-keyed")
		}
		if len(n.Locations) > 0 {
			require.Equal(t, n.Locations, out.Source.Locations[string(n.Digest())].Locations, "locations must be re-keyed")
		}
	}

	// The result decodes again: every input names an op that exists.
	_, err = Decode(out)
	require.NoError(t, err)
}

// TestDecodedIsTheOpAsWritten: after edits and an Encode, a node still
// gives the op the definition held; added and imported nodes have none.
func TestDecodedIsTheOpAsWritten(t *testing.T) {
	g, err := Decode(sampleDefinitions(t)["copy"])
	require.NoError(t, err)
	exec := findExec(t, g)
	args := slices.Clone(exec.Op.GetExec().Meta.Args)
	exec.Op.GetExec().Meta.Args = []string{"sh", "-c", "rewritten"}
	added := &Node{Op: &pb.Op{Op: &pb.Op_File{File: &pb.FileOp{}}}}
	g.Add(added)
	imported, err := g.Import(sampleDefinitions(t)["scratch"])
	require.NoError(t, err)
	exec.Inputs = append(exec.Inputs, Edge{Node: added}, imported)
	_, err = g.Encode()
	require.NoError(t, err)

	require.Equal(t, args, exec.Decoded().GetExec().Meta.Args)
	require.Equal(t, []string{"sh", "-c", "rewritten"}, exec.Op.GetExec().Meta.Args)
	require.Nil(t, added.Decoded())
	require.Nil(t, imported.Node.Decoded())
}

func TestAddedNodeGoesBeforeItsUser(t *testing.T) {
	g, err := Decode(sampleDefinitions(t)["run"])
	require.NoError(t, err)
	exec := findExec(t, g)
	mkdir := &Node{Op: &pb.Op{Op: &pb.Op_File{File: &pb.FileOp{Actions: []*pb.FileAction{{
		Input: -1, SecondaryInput: -1, Output: 0,
		Action: &pb.FileAction_Mkdir{Mkdir: &pb.FileActionMkDir{Path: "/cache", Mode: 0o755}},
	}}}}}}
	g.Add(mkdir)
	exec.Inputs = append(exec.Inputs, Edge{Node: mkdir})
	out, err := g.Encode()
	require.NoError(t, err)

	nodes := g.Nodes()
	require.Equal(t, len(out.Def), len(nodes))
	pos := map[*Node]int{}
	for i, n := range nodes {
		pos[n] = i
	}
	require.Less(t, pos[mkdir], pos[exec])
	require.Same(t, g.Terminal(), nodes[len(nodes)-1])
	_, err = Decode(out)
	require.NoError(t, err)
}

func TestUnreachableNodesAreDropped(t *testing.T) {
	def := sampleDefinitions(t)["copy"]
	g, err := Decode(def)
	require.NoError(t, err)
	term := g.Terminal()
	// Point the result at the image itself: the exec and copy fall away.
	var img *Node
	for _, n := range g.Nodes() {
		if n.Op.GetSource() != nil && n.Op.GetSource().Identifier == "docker-image://docker.io/library/busybox:latest" {
			img = n
		}
	}
	require.NotNil(t, img)
	term.Inputs = []Edge{{Node: img}}
	out, err := g.Encode()
	require.NoError(t, err)
	require.Len(t, out.Def, 2)
	require.Len(t, out.Metadata, 2)
}

func TestValidateFindsEveryProblem(t *testing.T) {
	g, err := Decode(sampleDefinitions(t)["copy"])
	require.NoError(t, err)
	exec := findExec(t, g)
	exec.Inputs = append(exec.Inputs, Edge{Node: &Node{Op: &pb.Op{}}}, Edge{Node: nil})
	exec.Locations = append(exec.Locations, &pb.Location{SourceIndex: 7})
	err = g.Validate()
	require.ErrorContains(t, err, "not in the graph")
	require.ErrorContains(t, err, "is empty")
	require.ErrorContains(t, err, "unknown source 7")
}

func TestDecodeRejectsUnknownInput(t *testing.T) {
	def := sampleDefinitions(t)["run"]
	// Drop the first op (the image source): the exec now names nothing.
	bad := &pb.Definition{Def: def.Def[1:], Metadata: def.Metadata}
	_, err := Decode(bad)
	require.ErrorContains(t, err, "names unknown op")
}

func TestCycleIsAnError(t *testing.T) {
	g, err := Decode(sampleDefinitions(t)["copy"])
	require.NoError(t, err)
	exec := findExec(t, g)
	var user *Node
	for _, n := range g.Nodes() {
		if slices.ContainsFunc(n.Inputs, func(e Edge) bool { return e.Node == exec }) {
			user = n
		}
	}
	require.NotNil(t, user)
	exec.Inputs = append(exec.Inputs, Edge{Node: user})
	_, err = g.Encode()
	require.ErrorContains(t, err, "cycle")
}

// TestEncodeIsDeterministic marshals the same edited graph many times,
// serially and in parallel, and requires identical bytes: a digest that
// moves between runs loses every remote cache hit.
func TestEncodeIsDeterministic(t *testing.T) {
	def := sampleDefinitions(t)["merge"]
	encode := func() []byte {
		g, err := Decode(def)
		require.NoError(t, err)
		findExec(t, g).Op.GetExec().Meta.Env = append(findExec(t, g).Op.GetExec().Meta.Env, "A=1")
		out, err := g.Encode()
		require.NoError(t, err)
		dt, err := proto.MarshalOptions{Deterministic: true}.Marshal(out)
		require.NoError(t, err)
		return dt
	}
	want := encode()
	var wg sync.WaitGroup
	for range 20 {
		require.Equal(t, want, encode())
		wg.Go(func() { require.Equal(t, want, encode()) })
	}
	wg.Wait()
}

func TestLocation(t *testing.T) {
	g, err := Decode(sampleDefinitions(t)["run"])
	require.NoError(t, err)
	loc, ok := g.Location(findExec(t, g))
	require.True(t, ok)
	require.Equal(t, Location{File: "Dockerfile", Start: 2, End: 2}, loc)
	require.Equal(t, "Dockerfile:2", loc.String())
	require.Equal(t, "Dockerfile:2-4", Location{File: "Dockerfile", Start: 2, End: 4}.String())
	_, ok = g.Location(g.Terminal())
	require.False(t, ok)
}

func findExec(t testing.TB, g *Graph) *Node {
	t.Helper()
	for _, n := range g.Nodes() {
		if n.Op.GetExec() != nil {
			return n
		}
	}
	t.Fatal("no exec op in graph")
	return nil
}
