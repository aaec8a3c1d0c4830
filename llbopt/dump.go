package llbopt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/moby/buildkit/solver/pb"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Dump writes the graph in a readable, stable form, one op per line, as
// golden files compare it: the op's position, its inputs by position (so an
// edit reads as an edit, not as a cascade of new digests), its Dockerfile
// line, its caps, and the op itself as compact JSON without input digests.
func (g *Graph) Dump(w io.Writer) error {
	order, err := g.order()
	if err != nil {
		return err
	}
	pos := make(map[*Node]int, len(order))
	for i, n := range order {
		pos[n] = i
	}
	for i, n := range order {
		ins := make([]string, len(n.Inputs))
		for j, e := range n.Inputs {
			ins[j] = fmt.Sprintf("%d.%d", pos[e.Node], e.Index)
		}
		body, err := opJSON(n.Op)
		if err != nil {
			return fmt.Errorf("dumping op %d: %w", i, err)
		}
		at := "-"
		if loc, ok := g.Location(n); ok {
			at = loc.String()
		}
		caps := slices.Sorted(maps.Keys(n.Metadata.GetCaps()))
		if _, err := fmt.Fprintf(w, "%d in=%v at=%s caps=%v %s\n", i, ins, at, caps, body); err != nil {
			return err
		}
	}
	return nil
}

// opJSON is the op as compact JSON, without its input digests. protojson
// varies its whitespace on purpose; compacting makes it stable.
func opJSON(op *pb.Op) ([]byte, error) {
	c := proto.Clone(op).(*pb.Op)
	c.Inputs = nil
	dt, err := protojson.Marshal(c)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, dt); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
