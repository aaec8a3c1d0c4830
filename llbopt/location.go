package llbopt

import (
	"strconv"

	"github.com/moby/buildkit/solver/pb"
)

// Location is a range of lines in a source file, 1-based and inclusive.
type Location struct {
	File  string
	Start int
	End   int
}

// String formats the location as buildx does: "Dockerfile:4" or
// "Dockerfile:4-6".
func (l Location) String() string {
	if l.End > l.Start {
		return l.File + ":" + strconv.Itoa(l.Start) + "-" + strconv.Itoa(l.End)
	}
	return l.File + ":" + strconv.Itoa(l.Start)
}

// Location returns where the node came from in its Dockerfile: the first
// range of its first location. ok is false for ops with no location, such as
// the internal ones dockerfile2llb adds.
func (g *Graph) Location(n *Node) (loc Location, ok bool) {
	info, l := g.Source(n)
	if l == nil {
		return Location{}, false
	}
	r := l.Ranges[0]
	return Location{File: info.Filename, Start: int(r.GetStart().GetLine()), End: int(r.GetEnd().GetLine())}, true
}

// Source returns the node's first location that names a known source and
// has a range, with that source, as a build warning wants them; nil when
// there is none.
func (g *Graph) Source(n *Node) (*pb.SourceInfo, *pb.Location) {
	for _, l := range n.Locations {
		if info := g.SourceInfo(l); info != nil && len(l.Ranges) > 0 {
			return info, l
		}
	}
	return nil, nil
}
