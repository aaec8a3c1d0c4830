package compare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/buildkit/client"

	"github.com/org/optfrontend/frontend"
)

// VerifyOptions say what optctl verify builds.
type VerifyOptions struct {
	// Context is the build context directory; Dockerfile defaults to
	// Context/Dockerfile.
	Context, Dockerfile string
	Target              string
	BuildArgs           map[string]string
	// FrontendImage is the optfrontend image (default
	// DefaultFrontendImage), whose binary also compares the images in the
	// build.
	FrontendImage string
	// Warn asks for BUILDKIT_OPT_VERIFY=warn: unexplained differences are
	// warnings, and the build succeeds.
	Warn bool
	// Progress receives the build's steps as they run; nil for none.
	Progress io.Writer
	Quiet    bool
}

// Verification is what a verify build found.
type Verification struct {
	// Findings are the passes' report lines: every difference from stock's
	// image the comparison accepted is one of theirs.
	Findings []frontend.Finding
	// Warnings are the build's other warnings: with Warn, the unexplained
	// differences; a fallback to stock's build, if the optimized one
	// failed.
	Warnings []string
	Seconds  float64
}

// Verify builds the Dockerfile once with optfrontend and
// BUILDKIT_OPT_VERIFY, which solves the stock graph beside the optimized
// one, compares the two images in the build and fails it on a difference
// no report line explains. Nothing is exported: the proof is the build's
// success.
func Verify(ctx context.Context, c *client.Client, o VerifyOptions) (*Verification, error) {
	if o.Context == "" {
		return nil, errors.New("no build context given")
	}
	if o.Dockerfile == "" {
		o.Dockerfile = filepath.Join(o.Context, "Dockerfile")
	}
	if _, err := os.Stat(o.Dockerfile); err != nil {
		return nil, fmt.Errorf("reading the Dockerfile: %w", err)
	}
	if o.FrontendImage == "" {
		o.FrontendImage = DefaultFrontendImage
	}
	ws, err := newWorkspace(Options{Context: o.Context, Dockerfile: o.Dockerfile})
	if err != nil {
		return nil, err
	}
	defer ws.Close()
	dgst, err := resolveImage(ctx, c, o.FrontendImage)
	if err != nil {
		return nil, err
	}
	mode := "strict"
	if o.Warn {
		mode = "warn"
	}
	args := map[string]string{}
	for k, v := range o.BuildArgs {
		args[k] = v
	}
	args[frontend.BuildArgVerify] = mode
	s := &session{c: c, ws: ws, id: newID(), frontend: pin(o.FrontendImage, dgst),
		opts: Options{Target: o.Target, BuildArgs: args}}
	name, attrs := s.frontendAttrs(Optimized)
	mounts, err := s.mounts()
	if err != nil {
		return nil, err
	}
	w := newWatch("verify", o.Progress, o.Quiet)
	start := time.Now()
	err = w.follow(func(ch chan *client.SolveStatus) error {
		_, err := c.Solve(ctx, nil, client.SolveOpt{Frontend: name, FrontendAttrs: attrs, LocalMounts: mounts, SharedKey: s.id}, ch)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("verify: %w\n%s", err, w.failure())
	}
	s.addFindings(w)
	v := &Verification{Findings: s.findings, Seconds: time.Since(start).Seconds()}
	for _, vw := range w.warnings {
		msg := string(vw.Short)
		if _, ok := frontend.ParseWarning(msg, vw.SourceInfo, vw.Range); !ok && strings.HasPrefix(msg, "optfrontend") {
			v.Warnings = append(v.Warnings, msg)
		}
	}
	return v, nil
}

// WriteVerification prints what a verify build proved: the differences
// from stock's image it accepted are those of the report lines listed.
func WriteVerification(w io.Writer, v *Verification) error {
	var changes []frontend.Finding
	for _, f := range v.Findings {
		if f.Changed {
			changes = append(changes, f)
		}
	}
	unexplained := false
	for _, msg := range v.Warnings {
		if strings.HasPrefix(msg, "optfrontend verify") {
			unexplained = true
		}
	}
	verdict := "verified: the optimized image equals stock's, but for what these report lines name"
	if unexplained {
		verdict = "NOT verified: the optimized image differs from stock's where no report line says"
	}
	if _, err := fmt.Fprintf(w, "%s (%d, build %.1fs)\n", verdict, len(changes), v.Seconds); err != nil {
		return err
	}
	for _, f := range changes {
		where := f.Where()
		if where == "" {
			where = "(no line)"
		}
		fmt.Fprintf(w, "  %s  %s: %s\n", where, f.Pass, f.Message)
	}
	for _, msg := range v.Warnings {
		fmt.Fprintf(w, "\n%s\n", msg)
	}
	return nil
}
