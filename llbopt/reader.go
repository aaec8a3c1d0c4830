package llbopt

import (
	"context"
	"io/fs"

	"github.com/moby/buildkit/solver/pb"
)

// FileReader solves a definition and returns one file of its result. The
// frontend gives it to passes that must look at what a step made, or at
// the build context, before they decide: the build runs those steps and
// transfers that context anyway, and the solver reuses their results.
type FileReader func(ctx context.Context, def *pb.Definition, file string) ([]byte, error)

// DirReader solves a definition and lists the names in one directory of
// its result, as FileReader reads a file.
type DirReader func(ctx context.Context, def *pb.Definition, dir string) ([]string, error)

// DirEntry is one name of a directory as EntryReader lists it: the type
// bits of its mode and, for a symbolic link, its target.
type DirEntry struct {
	Name     string
	Mode     fs.FileMode
	Linkname string
}

// EntryReader solves a definition and lists one directory of its result
// with each entry's type, as DirReader lists names.
type EntryReader func(ctx context.Context, def *pb.Definition, dir string) ([]DirEntry, error)
