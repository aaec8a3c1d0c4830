package llbopt

import (
	"fmt"

	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// Encode marshals the graph back into a definition. Ops keep their order,
// inputs before users; every op is marshalled deterministically, so an
// unchanged op keeps its digest and a changed one, or one whose inputs
// changed, gets a new digest that its users then name. Metadata and source
// locations are re-keyed by the new digests. Ops that the terminal no longer
// reaches are dropped.
func (g *Graph) Encode() (*pb.Definition, error) {
	order, err := g.order()
	if err != nil {
		return nil, err
	}
	def := &pb.Definition{}
	if g.hasSource {
		def.Source = &pb.Source{Infos: g.infos}
	}
	for _, n := range order {
		dt, err := n.marshal()
		if err != nil {
			return nil, err
		}
		def.Def = append(def.Def, dt)
		key := string(n.digest)
		if n.Metadata != nil {
			if def.Metadata == nil {
				def.Metadata = map[string]*pb.OpMetadata{}
			}
			def.Metadata[key] = n.Metadata
		}
		if len(n.Locations) > 0 || n.inSourceMap {
			if def.Source == nil {
				def.Source = &pb.Source{Infos: g.infos}
			}
			if def.Source.Locations == nil {
				def.Source.Locations = map[string]*pb.Locations{}
			}
			def.Source.Locations[key] = &pb.Locations{Locations: n.Locations}
		}
	}
	g.nodes = order
	return def, nil
}

// marshal writes the input edges into the op and computes its digest the way
// client/llb does.
func (n *Node) marshal() ([]byte, error) {
	if len(n.Op.Inputs) != len(n.Inputs) {
		n.Op.Inputs = make([]*pb.Input, len(n.Inputs))
	}
	for i, e := range n.Inputs {
		if e.Node == nil {
			return nil, fmt.Errorf("op %s: input %d has no node", n.digest, i)
		}
		n.Op.Inputs[i] = &pb.Input{Digest: string(e.Node.digest), Index: e.Index}
	}
	dt, err := n.Op.Marshal()
	if err != nil {
		return nil, fmt.Errorf("marshalling op %s: %w", n.digest, err)
	}
	n.digest = digest.FromBytes(dt)
	return dt, nil
}

// order returns the nodes the terminal reaches, in definition order, with
// any node moved after its inputs. It fails on a cycle.
func (g *Graph) order() ([]*Node, error) {
	term := g.Terminal()
	if term == nil {
		return nil, nil
	}
	reach := map[*Node]bool{}
	var mark func(*Node)
	mark = func(n *Node) {
		if reach[n] {
			return
		}
		reach[n] = true
		for _, e := range n.Inputs {
			if e.Node != nil {
				mark(e.Node)
			}
		}
	}
	mark(term)

	const (
		visiting = 1
		done     = 2
	)
	state := map[*Node]int{}
	var out []*Node
	var visit func(*Node) error
	visit = func(n *Node) error {
		switch state[n] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("graph has a cycle through op %s", n.digest)
		}
		state[n] = visiting
		for _, e := range n.Inputs {
			if e.Node == nil {
				continue
			}
			if err := visit(e.Node); err != nil {
				return err
			}
		}
		state[n] = done
		out = append(out, n)
		return nil
	}
	for _, n := range g.nodes {
		if !reach[n] {
			continue
		}
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}
