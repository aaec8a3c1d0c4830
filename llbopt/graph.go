package llbopt

import (
	"fmt"
	"slices"
	"sync"

	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// Graph is a mutable LLB graph: the ops of one definition, linked by their
// inputs, with the metadata and Dockerfile locations of each.
type Graph struct {
	nodes     []*Node
	infos     []*pb.SourceInfo
	hasSource bool

	// stages caches stageLines: the Dockerfile is parsed once per graph,
	// not once per layerChain a pass asks for (every COPY of a 100-step
	// Dockerfile asked again: BenchmarkFrontendScale).
	stagesOnce sync.Once
	stages     map[string][]int
}

// Node is one op of a Graph. Passes edit Op and Inputs in place; Encode
// writes the input digests back into Op and recomputes the node's digest.
type Node struct {
	// Op is the decoded op. Its Inputs digests are rewritten by Encode from
	// the Inputs edges, which are authoritative.
	Op *pb.Op
	// Inputs are the node's inputs in the order of Op.Inputs.
	Inputs []Edge
	// Metadata is the op's metadata (step name, caps); nil when the
	// definition had none for it.
	Metadata *pb.OpMetadata
	// Locations are the source ranges (Dockerfile lines) the op came from.
	Locations []*pb.Location

	digest digest.Digest
	// decoded is the op as the definition held it, before any pass; nil
	// for a node a pass added.
	decoded []byte
	// inSourceMap keeps an empty locations entry, as client/llb writes one
	// for the terminal, so that a round trip is exact.
	inSourceMap bool
}

// Decoded returns the op as the definition held it before any pass
// edited it, so that what the daemon says of the op can be said of the
// Dockerfile's own (an error names the command as written). It is nil for
// a node a pass added.
func (n *Node) Decoded() *pb.Op {
	if n.decoded == nil {
		return nil
	}
	var op pb.Op
	if err := op.Unmarshal(n.decoded); err != nil {
		return nil // it was unmarshalled once already, in Decode
	}
	return &op
}

// Edge is one input of a node: an output of another node.
type Edge struct {
	Node  *Node
	Index int64
}

// Digest is the node's digest as of the last Decode or Encode.
func (n *Node) Digest() digest.Digest { return n.digest }

// Decode builds a Graph from a marshalled definition. Every input must name
// an op that comes earlier in the definition, as client/llb emits them.
func Decode(def *pb.Definition) (*Graph, error) {
	g := &Graph{}
	if def == nil {
		return g, nil
	}
	if def.Source != nil {
		g.hasSource = true
		g.infos = def.Source.Infos
	}
	byDigest := make(map[digest.Digest]*Node, len(def.Def))
	for i, dt := range def.Def {
		n, err := decodeNode(def, dt, byDigest)
		if err != nil {
			return nil, fmt.Errorf("decoding op %d: %w", i, err)
		}
		byDigest[n.digest] = n
		g.nodes = append(g.nodes, n)
	}
	return g, nil
}

func decodeNode(def *pb.Definition, dt []byte, known map[digest.Digest]*Node) (*Node, error) {
	var op pb.Op
	if err := op.Unmarshal(dt); err != nil {
		return nil, fmt.Errorf("unmarshalling: %w", err)
	}
	n := &Node{Op: &op, digest: digest.FromBytes(dt), decoded: dt}
	for i, in := range op.Inputs {
		src, ok := known[digest.Digest(in.Digest)]
		if !ok {
			return nil, fmt.Errorf("op %s: input %d names unknown op %s", n.digest, i, in.Digest)
		}
		n.Inputs = append(n.Inputs, Edge{Node: src, Index: in.Index})
	}
	n.Metadata = def.Metadata[string(n.digest)]
	if def.Source != nil {
		if locs, ok := def.Source.Locations[string(n.digest)]; ok {
			n.Locations = locs.GetLocations()
			n.inSourceMap = true
		}
	}
	return n, nil
}

// Nodes returns the graph's nodes in definition order, inputs before users.
// Nodes added with Add and not yet encoded come last.
func (g *Graph) Nodes() []*Node { return slices.Clone(g.nodes) }

// Terminal returns the graph's terminal node: the last op, with no body and
// one input naming the result. It is nil for an empty graph.
func (g *Graph) Terminal() *Node {
	if len(g.nodes) == 0 {
		return nil
	}
	return g.nodes[len(g.nodes)-1]
}

// Add puts a new node in the graph. Encode places it before its first user;
// a node that nothing uses is dropped.
func (g *Graph) Add(n *Node) {
	if len(g.nodes) == 0 {
		g.nodes = append(g.nodes, n)
		return
	}
	// Keep the terminal last.
	last := len(g.nodes) - 1
	g.nodes = append(g.nodes[:last], n, g.nodes[last])
}

// SourceInfo returns the source (a Dockerfile) that a location points to,
// or nil when the index is out of range.
func (g *Graph) SourceInfo(loc *pb.Location) *pb.SourceInfo {
	if loc == nil || loc.SourceIndex < 0 || int(loc.SourceIndex) >= len(g.infos) {
		return nil
	}
	return g.infos[loc.SourceIndex]
}

// Import adds the ops of a definition made with client/llb (a small state
// such as a scratch FileOp that a pass mounts into an exec) to the graph,
// reusing any op the graph already has, and returns the edge its terminal
// points at.
func (g *Graph) Import(def *pb.Definition) (Edge, error) {
	sub, err := Decode(def)
	if err != nil {
		return Edge{}, fmt.Errorf("importing definition: %w", err)
	}
	term := sub.Terminal()
	if term == nil || len(term.Inputs) != 1 {
		return Edge{}, fmt.Errorf("importing definition: no result")
	}
	have := make(map[digest.Digest]*Node, len(g.nodes))
	for _, n := range g.nodes {
		have[n.digest] = n
	}
	same := map[*Node]*Node{}
	for _, n := range sub.nodes[:len(sub.nodes)-1] {
		if old, ok := have[n.digest]; ok {
			same[n] = old
			continue
		}
		for i, e := range n.Inputs {
			if old, ok := same[e.Node]; ok {
				n.Inputs[i].Node = old
			}
		}
		n.Locations, n.inSourceMap, n.decoded = nil, false, nil
		g.Add(n)
		same[n] = n
	}
	out := term.Inputs[0]
	out.Node = same[out.Node]
	return out, nil
}

// Definition encodes the part of the graph that e depends on as a
// definition whose result is e, for a frontend to solve while a pass runs
// (to read a file of the state an op will run on). Encoding it gives the
// nodes it holds their current digests, as Encode would.
func (g *Graph) Definition(e Edge) (*pb.Definition, error) {
	if e.Node == nil {
		return nil, fmt.Errorf("no state to encode: scratch")
	}
	sub := &Graph{infos: g.infos, hasSource: g.hasSource}
	if len(g.nodes) > 0 {
		sub.nodes = slices.Clone(g.nodes[:len(g.nodes)-1])
	}
	sub.nodes = append(sub.nodes, &Node{Op: &pb.Op{}, Inputs: []Edge{e}})
	return sub.Encode()
}
