package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"

	"github.com/org/optfrontend/llbopt"
)

// followLayers makes the image config of every result whose layers a pass
// changed list the same layers: each instruction keeps its history entry,
// and those squashed into a later one become empty layers. When an entry
// does not match the step it should stand for, the result is solved again
// without the passes' layer changes, and a warning says so: an image whose
// history lies about its layers is worse than a bigger one.
func (c *optClient) followLayers(ctx context.Context, res *gwclient.Result) error {
	if res == nil {
		return nil
	}
	if res.Ref != nil {
		ref, err := c.follow(ctx, res, res.Ref, exptypes.ExporterImageConfigKey)
		if err != nil {
			return err
		}
		res.Ref = ref
	}
	for id, ref := range res.Refs {
		ref, err := c.follow(ctx, res, ref, exptypes.ExporterImageConfigKey+"/"+id)
		if err != nil {
			return err
		}
		res.Refs[id] = ref
	}
	return nil
}

func (c *optClient) follow(ctx context.Context, res *gwclient.Result, ref gwclient.Reference, key string) (gwclient.Reference, error) {
	p, ok := c.planOf(ref)
	if !ok || len(p.edits) == 0 {
		return ref, nil
	}
	cfg, ok := res.Metadata[key]
	if !ok {
		return ref, nil // not an image (a subrequest or a local export): no history to follow
	}
	patched, err := patchHistory(cfg, p.edits)
	if err == nil {
		res.Metadata[key] = patched
		return ref, nil
	}
	again, without, serr := c.solveWithout(ctx, p)
	if serr != nil {
		return nil, fmt.Errorf("solving without the layer changes: %w", serr)
	}
	c.remember(again, without)
	unchanged, serr := again.SingleRef()
	if serr != nil {
		return nil, fmt.Errorf("solving without the layer changes: %w", serr)
	}
	msg := fmt.Sprintf("optfrontend %s: undone, the image keeps the Dockerfile's layers: %v", strings.Join(p.passes, ", "), err)
	if c.firstTime(msg) {
		if werr := c.Client.Warn(ctx, "", msg, gwclient.WarnOpts{Level: 1}); werr != nil {
			return nil, fmt.Errorf("reporting the undone layer change: %w", werr)
		}
	}
	return unchanged, nil
}

// solveWithout solves the builder's request again with every pass but
// those that changed the layers, so that undoing a layer change keeps the
// others (a secret kept out of the context stays out).
// The plan it returns is the passes' work on that solve, which has no layer
// changes, for the verify mode to compare.
func (c *optClient) solveWithout(ctx context.Context, p plan) (*gwclient.Result, plan, error) {
	req := p.original
	def, g, reports, err := c.pipeline.Without(p.passes...).Run(ctx, req.Definition)
	if err != nil {
		return nil, plan{}, fmt.Errorf("optimizing build graph without %s: %w", strings.Join(p.passes, ", "), err)
	}
	req.Definition = def
	res, err := c.Client.Solve(ctx, req)
	return res, plan{original: p.original, graph: g, reports: reports}, err
}

// patchHistory applies layer edits to an image config's history. Every
// edit is checked against the history before any is applied.
func patchHistory(config []byte, edits []llbopt.LayerEdit) ([]byte, error) {
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(config, &cfg); err != nil {
		return nil, fmt.Errorf("reading the image config: %w", err)
	}
	var history []map[string]json.RawMessage
	if err := json.Unmarshal(cfg["history"], &history); err != nil {
		return nil, fmt.Errorf("reading the image history: %w", err)
	}
	var rest []llbopt.LayerEdit
	for _, e := range edits {
		if e.Base == nil {
			rest = append(rest, e)
			continue
		}
		var err error
		if history, err = swapBase(history, e.Base); err != nil {
			return nil, err
		}
	}
	edits = rest
	var layers []int // indexes of the entries that have a layer
	for i, h := range history {
		var empty bool
		if raw, ok := h["empty_layer"]; ok {
			if err := json.Unmarshal(raw, &empty); err != nil {
				return nil, fmt.Errorf("history entry %d: %w", i, err)
			}
		}
		if !empty {
			layers = append(layers, i)
		}
	}
	type change struct {
		entry   int
		empty   bool
		comment string
	}
	var changes []change
	for _, e := range edits {
		if len(e.Kinds) > len(layers) || e.Merged+e.Dropped < 1 || e.Merged+e.Dropped > len(e.Kinds) {
			return nil, fmt.Errorf("the history lists %d layers, the squash of %s needs %d", len(layers), e.Lines, len(e.Kinds))
		}
		base := len(layers) - len(e.Kinds)
		for i, kind := range e.Kinds {
			createdBy, err := historyString(history[layers[base+i]], "created_by")
			if err != nil {
				return nil, err
			}
			if !madeBy(kind, createdBy) {
				return nil, fmt.Errorf("history entry %q does not stand for a %s step", createdBy, kind)
			}
		}
		for i := range e.Dropped {
			changes = append(changes, change{entry: layers[base+i], empty: true,
				comment: fmt.Sprintf("optfrontend: build-only, left out of the image (%s)", e.Lines)})
		}
		if e.Merged > 0 {
			for i := range e.Merged - 1 {
				changes = append(changes, change{entry: layers[base+i], empty: true,
					comment: fmt.Sprintf("optfrontend: in the layer of %s", e.Lines)})
			}
			changes = append(changes, change{entry: layers[base+e.Merged-1],
				comment: fmt.Sprintf("optfrontend: one layer for %s", e.Lines)})
		}
	}
	for _, ch := range changes {
		h := history[ch.entry]
		if ch.empty {
			h["empty_layer"] = json.RawMessage("true")
		}
		comment, err := historyString(h, "comment")
		if err != nil {
			return nil, err
		}
		if comment != "" {
			comment += "; "
		}
		dt, err := json.Marshal(comment + ch.comment)
		if err != nil {
			return nil, err
		}
		h["comment"] = dt
	}
	dt, err := json.Marshal(history)
	if err != nil {
		return nil, fmt.Errorf("writing the image history: %w", err)
	}
	cfg["history"] = dt
	return json.Marshal(cfg)
}

// swapBase replaces the base image's own entries at the start of history
// (b.From) with the new base's (b.To), after checking that they are the
// base's.
func swapBase(history []map[string]json.RawMessage, b *llbopt.BaseEdit) ([]map[string]json.RawMessage, error) {
	var from, to []map[string]json.RawMessage
	if err := json.Unmarshal(b.From, &from); err != nil {
		return nil, fmt.Errorf("reading the full base image's history: %w", err)
	}
	if err := json.Unmarshal(b.To, &to); err != nil {
		return nil, fmt.Errorf("reading the slim base image's history: %w", err)
	}
	if len(from) > len(history) {
		return nil, fmt.Errorf("the history has %d entries, fewer than the base image's %d", len(history), len(from))
	}
	for i, h := range from {
		want, err := historyString(h, "created_by")
		if err != nil {
			return nil, err
		}
		got, err := historyString(history[i], "created_by")
		if err != nil {
			return nil, err
		}
		if got != want {
			return nil, fmt.Errorf("history entry %d (%q) is not the base image's (%q)", i, got, want)
		}
	}
	return append(slices.Clone(to), history[len(from):]...), nil
}

// historyString reads a string field of a history entry; empty when the
// entry has none.
func historyString(h map[string]json.RawMessage, field string) (string, error) {
	raw, ok := h[field]
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("history entry's %s: %w", field, err)
	}
	return s, nil
}

// madeBy tells whether a history entry's created_by is an instruction of
// the kind a step's op makes.
func madeBy(kind, createdBy string) bool {
	switch kind {
	case "RUN":
		return strings.HasPrefix(createdBy, "RUN ")
	case "COPY":
		for _, p := range []string{"COPY ", "ADD ", "WORKDIR "} {
			if strings.HasPrefix(createdBy, p) {
				return true
			}
		}
	}
	return false
}
