package compare

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/tonistiigi/fsutil"

	"github.com/org/optfrontend/frontend"
)

// Explanation is what the passes would change in a Dockerfile, found
// without building it.
type Explanation struct {
	// Findings are the passes' findings, in Dockerfile order.
	Findings []frontend.Finding `json:"findings"`
	// Lint holds the stock frontend's own warnings.
	Lint []string `json:"lint,omitempty"`
	// BaseDiffIDs are the layers of the image the target stage starts
	// from; none for FROM scratch.
	BaseDiffIDs []string `json:"baseDiffIDs,omitempty"`
}

// ExplainOptions says which Dockerfile to explain and how it is built.
type ExplainOptions struct {
	// Context is the build context directory.
	Context string
	// Dockerfile is the Dockerfile's path; empty means Context/Dockerfile.
	Dockerfile string
	// Target and BuildArgs are as for the build; BUILDKIT_OPT selects the
	// passes, as it does for optfrontend.
	Target    string
	BuildArgs map[string]string
}

// Explain runs frontend.Explain in this process on the builder: the stock
// frontend converts the Dockerfile and the passes run over the graph, but
// nothing is built. BuildKit reads the Dockerfile, .dockerignore and the
// base images' configs, nothing else.
func Explain(ctx context.Context, c *client.Client, o ExplainOptions) (*Explanation, error) {
	if o.Dockerfile == "" {
		o.Dockerfile = filepath.Join(o.Context, "Dockerfile")
	}
	if _, err := os.Stat(o.Dockerfile); err != nil {
		return nil, fmt.Errorf("reading the Dockerfile: %w", err)
	}
	mounts := map[string]string{"context": o.Context, "dockerfile": filepath.Dir(o.Dockerfile)}
	opt := client.SolveOpt{FrontendAttrs: map[string]string{"filename": filepath.Base(o.Dockerfile)}, LocalMounts: map[string]fsutil.FS{}}
	for k, dir := range mounts {
		fs, err := fsutil.NewFS(dir)
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", dir, err)
		}
		opt.LocalMounts[k] = fs
	}
	if o.Target != "" {
		opt.FrontendAttrs["target"] = o.Target
	}
	for k, v := range o.BuildArgs {
		opt.FrontendAttrs["build-arg:"+k] = v
	}
	ex := &Explanation{}
	build := func(ctx context.Context, gc gwclient.Client) (*gwclient.Result, error) {
		findings, res, err := frontend.Explain(ctx, gc)
		if err != nil {
			return nil, err
		}
		ex.Findings = findings
		if ex.BaseDiffIDs, err = baseDiffIDs(res.Metadata[exptypes.ExporterImageBaseConfigKey]); err != nil {
			return nil, err
		}
		// Nothing to export: the result's only use was the base config.
		return gwclient.NewResult(), nil
	}
	w := newWatch("explain", nil, true)
	err := w.follow(func(ch chan *client.SolveStatus) error {
		_, err := c.Build(ctx, opt, "optctl", build, ch)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("explaining %s: %w", o.Dockerfile, err)
	}
	for _, vw := range w.warnings {
		if _, ours := frontend.ParseWarning(string(vw.Short), vw.SourceInfo, vw.Range); !ours {
			ex.Lint = append(ex.Lint, string(vw.Short))
		}
	}
	return ex, nil
}

// baseDiffIDs reads the layer list of a base image config; none when
// there is no config (FROM scratch).
func baseDiffIDs(config []byte) ([]string, error) {
	if len(config) == 0 {
		return nil, nil
	}
	var cfg struct {
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(config, &cfg); err != nil {
		return nil, fmt.Errorf("reading the base image config: %w", err)
	}
	return cfg.RootFS.DiffIDs, nil
}
