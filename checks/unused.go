package checks

import (
	"strconv"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Stage names a stage of a Dockerfile and where its FROM is.
type Stage struct {
	// Name is the stage's name, or its index when it has none.
	Name string
	// Location is its FROM instruction's range.
	Location []parser.Range
}

// UnusedStages lists the stages the target (Options.Target, else the last
// stage) does not build FROM, copy from or mount: dockerfile2llb does not
// build them, and the frontend says so.
func UnusedStages(dt []byte, opt Options) ([]Stage, error) {
	df, err := load(dt, opt)
	if err != nil {
		return nil, err
	}
	var out []Stage
	for i, s := range df.stages {
		if s.used {
			continue
		}
		name := s.Name
		if name == "" {
			name = strconv.Itoa(i)
		}
		out = append(out, Stage{Name: name, Location: s.Location})
	}
	return out, nil
}
