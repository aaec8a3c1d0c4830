package checks

import (
	"context"
	"fmt"
	"sync"
)

// inputs calls the Options funcs at most once per question and keeps their
// errors for Run to return.
type inputs struct {
	ctx  context.Context
	opt  Options
	errs []error

	filesDone bool
	files     []string // nil when unknown

	ignoreDone  bool
	ignoreKnown bool
	hasIgnore   bool

	exists map[string]bool
	users  map[string]*string // nil value: unknown
}

func newInputs(ctx context.Context, opt Options) *inputs {
	return &inputs{ctx: ctx, opt: opt, exists: map[string]bool{}, users: map[string]*string{}}
}

func (in *inputs) fail(action string, err error) {
	in.errs = append(in.errs, fmt.Errorf("%w: %s: %w", ErrInput, action, err))
}

// contextFiles returns the context's files at, under or matching paths, or
// false when they are unknown. It asks once: the first paths are all
// there are.
func (in *inputs) contextFiles(paths []string) ([]string, bool) {
	if in.opt.ContextFiles == nil {
		return nil, false
	}
	if !in.filesDone {
		in.filesDone = true
		files, err := in.opt.ContextFiles(in.ctx, paths)
		if err != nil {
			in.fail("listing build context", err)
		} else {
			in.files = append([]string{}, files...)
		}
	}
	return in.files, in.files != nil
}

// dockerignore reports whether the context has a .dockerignore; known is
// false when that cannot be told.
func (in *inputs) dockerignore() (has, known bool) {
	if in.opt.Dockerignore == nil {
		return false, false
	}
	if !in.ignoreDone {
		in.ignoreDone = true
		has, err := in.opt.Dockerignore(in.ctx)
		if err != nil {
			in.fail("reading .dockerignore", err)
		} else {
			in.hasIgnore, in.ignoreKnown = has, true
		}
	}
	return in.hasIgnore, in.ignoreKnown
}

// readFile returns a context file's content, or false when it is unknown.
func (in *inputs) readFile(p string) ([]byte, bool) {
	if in.opt.ReadFile == nil {
		return nil, false
	}
	dt, err := in.opt.ReadFile(in.ctx, p)
	if err != nil {
		in.fail("reading "+p, err)
		return nil, false
	}
	return dt, true
}

// readAtOnce is how many files readFiles reads at once.
const readAtOnce = 8

// readFiles reads each path as readFile does, readAtOnce at a time, and
// records the failures in the order of paths, as one readFile after
// another would.
func (in *inputs) readFiles(paths []string) ([][]byte, []bool) {
	dts, oks := make([][]byte, len(paths)), make([]bool, len(paths))
	if in.opt.ReadFile == nil {
		return dts, oks
	}
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	slots := make(chan struct{}, readAtOnce)
	for i, p := range paths {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			dts[i], errs[i] = in.opt.ReadFile(in.ctx, p)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			in.fail("reading "+paths[i], err)
			dts[i] = nil
			continue
		}
		oks[i] = true
	}
	return dts, oks
}

// imageExists is true only when the registry said so.
func (in *inputs) imageExists(ref string) bool {
	if in.opt.ImageExists == nil {
		return false
	}
	ok, done := in.exists[ref]
	if !done {
		var err error
		ok, err = in.opt.ImageExists(in.ctx, ref)
		if err != nil {
			in.fail("looking up "+ref, err)
			ok = false
		}
		in.exists[ref] = ok
	}
	return ok
}

// imageUser returns the user an image runs as, or false when unknown.
func (in *inputs) imageUser(ref string) (string, bool) {
	if in.opt.ImageUser == nil {
		return "", false
	}
	u, done := in.users[ref]
	if !done {
		user, err := in.opt.ImageUser(in.ctx, ref)
		if err != nil {
			in.fail("reading the config of "+ref, err)
		} else {
			u = &user
		}
		in.users[ref] = u
	}
	if u == nil {
		return "", false
	}
	return *u, true
}
