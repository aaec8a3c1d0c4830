package frontend

import (
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// fixStatic is the BUILDKIT_OPT_FIX word of the static fix (see applyStatic).
const fixStatic = "static"

// staticExtras are the files of the built image the static fix keeps
// beside the program, when the image has them: CA certificates and time
// zones, which a static program reads from the system, and the user
// database, so that a USER by name still resolves.
var staticExtras = []string{"/etc/ssl/certs/ca-certificates.crt", "/usr/share/zoneinfo", "/etc/passwd", "/etc/group"}

// staticNotPrograms are the programs (by base name, version digits cut)
// that run something else, or are the toolchain itself: an image that runs
// one of them needs more than the one file.
var staticNotPrograms = []string{"sh", "bash", "dash", "ash", "zsh", "ksh", "busybox", "env",
	"python", "node", "nodejs", "java", "ruby", "perl", "php", "deno", "bun",
	"tini", "dumb-init", "go", "gofmt", "cargo", "rustc", "rustup"}

// applyStatic is the static fix (BUILDKIT_OPT_FIX=static): it ships the
// statically linked program a toolchain stage compiled on scratch, with
// the built image's CA certificates, /usr/share/zoneinfo, /etc/passwd and
// /etc/group when it has them, and its WORKDIR (an empty directory, with
// the built image's owner and mode); the image config is kept, and the
// history keeps every entry, those whose layer is gone marked empty, with
// one entry for the new layer.
//
// It applies only when all of these hold, and otherwise leaves the result
// as it is and warns, at the CMD or ENTRYPOINT line, why:
//   - the result is one platform's image;
//   - the target stage is built FROM golang or rust (not another stage);
//   - the stage only compiles the program: its RUNs are package downloads
//     (go mod download, cargo fetch) and one build (go build/install,
//     cargo build/install, nothing else in the command), mounts are cache,
//     tmpfs, secret or ssh mounts, and it has no ADD, COPY --from, VOLUME,
//     ONBUILD, HEALTHCHECK or heredoc. Its COPYs from the context are taken
//     to be the source the build reads: a program that reads copied files
//     when it runs (templates, configs) loses them, which is why the fix is
//     opt-in and its report names the WORKDIR it leaves empty;
//   - the config's ENTRYPOINT/CMD is exec form, its program (absolute, or
//     found through the config's PATH and WORKDIR) is not a shell, an
//     interpreter or the toolchain, its arguments name no path, and the
//     build RUN wrote it (its -o, its directory, GOPATH/bin, target/);
//   - the program is an ELF with no PT_INTERP and no DT_NEEDED.
func applyStatic(ctx context.Context, c gwclient.Client, res *gwclient.Result) (*gwclient.Result, error) {
	a := readDockerfile(ctx, c)
	if a == nil {
		return res, c.Warn(ctx, "", "optfrontend static: left the image as it is: the Dockerfile could not be read", gwclient.WarnOpts{Level: 1})
	}
	st, loc, why := staticStageOf(a.src.Data, a.bc.Target, a.bc.BuildArgs)
	if forwarded(c, a.src.Data) {
		// The frontend a syntax line names built it: its Dockerfile
		// reading may not be this one's.
		why = "the build was handed to the frontend its syntax line names, which applies its own fixes or none"
	}
	if why == "" {
		why = staticSources(ctx, a, st.copies)
	}
	if why == "" {
		res, why = fixStaticResult(ctx, c, res, st)
	}
	if why != "" {
		warnAt(ctx, a.src, loc, "optfrontend static: left the image as it is: "+why)
		return res, nil
	}
	warnAt(ctx, a.src, loc, "optfrontend static: "+st.report)
	return res, nil
}

// staticSources says why the context files the stage copies may be read
// by the program when it runs, "" when every one is a source of the build
// (staticSource).
func staticSources(ctx context.Context, a *advice, copies []string) string {
	if len(copies) == 0 {
		return ""
	}
	files, err := a.contextFiles(ctx, copies)
	if err != nil {
		return fmt.Sprintf("the files the stage copies could not be listed: %v", err)
	}
	for _, f := range files {
		if !staticSource(f) {
			return fmt.Sprintf("the stage copies %s from the context, which the program may read when it runs (the fixed image would not have it)", f)
		}
	}
	return ""
}

// forwarded is whether the stock builder hands this build to another
// frontend, as newAdvice tells it.
func forwarded(c gwclient.Client, dt []byte) bool {
	opts := c.BuildOpts().Opts
	if _, ok := opts["cmdline"]; ok {
		return false
	}
	_, ok := opts["build-arg:BUILDKIT_SYNTAX"]
	if _, _, _, found := parser.DetectSyntax(dt); found {
		ok = true
	}
	return ok
}

// fixStaticResult checks the built image and, when it passes, returns the
// result with the new root; why says what refused it.
func fixStaticResult(ctx context.Context, c gwclient.Client, res *gwclient.Result, st *staticStage) (*gwclient.Result, string) {
	if res == nil || res.Ref == nil || len(res.Refs) > 0 {
		return res, "the build is not a single-platform image"
	}
	cfgJSON := res.Metadata[exptypes.ExporterImageConfigKey]
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(cfgJSON, &img); err != nil {
		return res, fmt.Sprintf("its image config could not be read: %v", err)
	}
	fs := refFS{ctx: ctx, ref: res.Ref}
	prog, why := staticProgram(img.Config, st, fs.stat)
	if why != "" {
		return res, why
	}
	size, why := staticELFOf(fs, prog)
	if why != "" {
		return res, why
	}
	keep := staticKeep(prog, fs.stat)
	root, err := stateOf(res.Ref)
	if err != nil {
		return res, err.Error()
	}
	def, err := staticRoot(root, keep, img, fs.stat).Marshal(ctx, llb.Platform(img.Platform))
	if err != nil {
		return res, fmt.Sprintf("marshaling the new root: %v", err)
	}
	out, err := c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), Evaluate: true})
	if err != nil {
		return res, fmt.Sprintf("solving the new root: %v", err)
	}
	ref, err := out.SingleRef()
	if err != nil {
		return res, fmt.Sprintf("solving the new root: %v", err)
	}
	kept := strings.Join(keep, ", ")
	cfg, err := staticHistory(cfgJSON, "optfrontend static: scratch with "+kept)
	if err != nil {
		return res, err.Error()
	}
	res.Ref = ref
	res.Metadata[exptypes.ExporterImageConfigKey] = cfg
	// The image is no longer built on the base image: the exporter must
	// not keep that image's layer times.
	delete(res.Metadata, exptypes.ExporterImageBaseConfigKey)
	st.report = fmt.Sprintf("the image is scratch with only %s%s: the rest of the %s image it was built in is left out (the toolchain, the source in the WORKDIR); checked: %s is a static ELF (no PT_INTERP, no DT_NEEDED) and the stage only builds it",
		strings.Join(append([]string{prog + " (" + megabytes(size) + ")"}, keep[1:]...), ", "), workdirNote(img.Config.WorkingDir, keep), st.base, prog)
	return res, ""
}

// workdirNote says what became of the WORKDIR: empty, unless it holds a
// kept path.
func workdirNote(dir string, keep []string) string {
	dir = path.Clean("/" + dir)
	if dir == "/" {
		return ""
	}
	if slices.ContainsFunc(keep, func(p string) bool { return strings.HasPrefix(p, dir+"/") }) {
		return ", and the WORKDIR " + dir
	}
	return ", and an empty WORKDIR " + dir
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// staticProgram finds the program the config runs and checks that it is
// the stage's build output; why says what refuses it.
func staticProgram(cfg dockerspec.DockerOCIImageConfig, st *staticStage, stat func(string) (fileStat, error)) (string, string) {
	argv := append(slices.Clone(cfg.Entrypoint), cfg.Cmd...)
	if len(argv) == 0 {
		return "", "the image has no ENTRYPOINT or CMD"
	}
	name := strings.TrimRight(path.Base(argv[0]), "0123456789.")
	if len(argv) > 1 && argv[1] == "-c" && slices.Contains([]string{"sh", "bash", "dash", "ash"}, name) {
		return "", "its CMD or ENTRYPOINT is in shell form: it runs a shell"
	}
	if slices.Contains(staticNotPrograms, name) {
		return "", fmt.Sprintf("it runs %s, a shell, an interpreter or the toolchain, not a program the stage built", argv[0])
	}
	for _, a := range argv[1:] {
		if strings.Contains(a, "/") {
			return "", fmt.Sprintf("its command's argument %q names a path the fixed image would not have", a)
		}
	}
	prog, why := resolveProgram(argv[0], cfg, stat)
	if why != "" {
		return "", why
	}
	if !st.build.made(prog, cfg.Env) {
		return "", fmt.Sprintf("%s is not where the build RUN (line %d) writes its program", prog, st.build.line)
	}
	return prog, ""
}

// fileStat is what the fix reads of a file of the built image.
type fileStat struct {
	mode     os.FileMode
	uid, gid int
	size     int64
	modTime  time.Time
}

// resolveProgram finds argv0 as the runtime would: as is when it has a
// slash (against the WORKDIR), else in the config's PATH.
func resolveProgram(argv0 string, cfg dockerspec.DockerOCIImageConfig, stat func(string) (fileStat, error)) (string, string) {
	var candidates []string
	if strings.Contains(argv0, "/") {
		candidates = []string{path.Join("/", cfg.WorkingDir, argv0)}
		if path.IsAbs(argv0) {
			candidates = []string{path.Clean(argv0)}
		}
	} else {
		for _, dir := range strings.Split(envValue(cfg.Env, "PATH"), ":") {
			if path.IsAbs(dir) {
				candidates = append(candidates, path.Join(dir, argv0))
			}
		}
	}
	for _, p := range candidates {
		if s, err := stat(p); err == nil && s.mode.IsRegular() && s.mode.Perm()&0o111 != 0 {
			return p, ""
		}
	}
	return "", fmt.Sprintf("its program %s was not found as an executable file in the image", argv0)
}

func envValue(env []string, key string) string {
	for _, kv := range slices.Backward(env) {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// staticELF says why the ELF r is not statically linked; "" when it is.
func staticELF(r io.ReaderAt) string {
	f, err := elf.NewFile(r)
	if err != nil {
		return fmt.Sprintf("it is not an ELF program: %v", err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Sprintf("it is an ELF %s, not an executable", f.Type)
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return fmt.Sprintf("its dynamic section could not be read: %v", err)
	}
	if len(libs) > 0 {
		return "dynamically linked: needs " + strings.Join(libs, ", ")
	}
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			interp, _ := io.ReadAll(io.LimitReader(p.Open(), 4096))
			return "dynamically linked: needs the loader " + strings.TrimRight(string(interp), "\x00")
		case elf.PT_DYNAMIC:
			if f.SectionByType(elf.SHT_DYNAMIC) == nil {
				return "it has a dynamic segment but no section table to read it from"
			}
		}
	}
	return ""
}

// staticELFOf checks the program p of the built image; it returns its size.
func staticELFOf(fs refFS, p string) (int64, string) {
	s, err := fs.stat(p)
	if err != nil {
		return 0, err.Error()
	}
	if why := staticELF(io.NewSectionReader(fs.at(p), 0, s.size)); why != "" {
		return 0, p + ": " + why
	}
	return s.size, ""
}

// staticKeep is the program and those of staticExtras the built image
// has as files or directories.
func staticKeep(prog string, stat func(string) (fileStat, error)) []string {
	keep := []string{prog}
	for _, p := range staticExtras {
		if s, err := stat(p); err == nil && (s.mode.IsRegular() || s.mode.IsDir()) {
			keep = append(keep, p)
		}
	}
	return keep
}

// staticRoot is scratch with the kept paths of root, each parent directory
// and the WORKDIR made as the built image has them (root 0755 when it
// cannot be read), so that the same image gives the same layer.
func staticRoot(root llb.State, keep []string, img dockerspec.DockerOCIImage, stat func(string) (fileStat, error)) llb.State {
	var dirs []string
	add := func(d string) {
		for ; d != "/" && d != "." && !slices.Contains(dirs, d); d = path.Dir(d) {
			dirs = append(dirs, d)
		}
	}
	for _, p := range keep {
		add(path.Dir(p))
	}
	if wd := img.Config.WorkingDir; path.IsAbs(wd) {
		add(path.Clean(wd))
	}
	slices.SortFunc(dirs, func(a, b string) int { return strings.Compare(a, b) })
	var fa *llb.FileAction
	do := func(next *llb.FileAction, more func(*llb.FileAction) *llb.FileAction) {
		if fa == nil {
			fa = next
			return
		}
		fa = more(fa)
	}
	for _, d := range dirs {
		s, err := stat(d)
		if err != nil || !s.mode.IsDir() {
			s = fileStat{mode: os.ModeDir | 0o755}
			if img.Created != nil {
				s.modTime = *img.Created
			}
		}
		opts := []llb.MkdirOption{llb.WithUIDGID(s.uid, s.gid), llb.WithCreatedTime(s.modTime)}
		do(llb.Mkdir(d, s.mode.Perm(), opts...), func(f *llb.FileAction) *llb.FileAction { return f.Mkdir(d, s.mode.Perm(), opts...) })
	}
	for _, p := range keep {
		info := &llb.CopyInfo{FollowSymlinks: true}
		do(llb.Copy(root, p, p, info), func(f *llb.FileAction) *llb.FileAction { return f.Copy(root, p, p, info) })
	}
	return llb.Scratch().File(fa, llb.WithCustomName("[optfrontend static] scratch with "+strings.Join(keep, ", ")))
}

// staticHistory marks every history entry that had a layer empty, saying
// why, and adds one entry for the fix's layer, dated as the image.
func staticHistory(config []byte, createdBy string) ([]byte, error) {
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(config, &cfg); err != nil {
		return nil, fmt.Errorf("reading the image config: %w", err)
	}
	var history []ocispecs.History
	if raw, ok := cfg["history"]; ok {
		if err := json.Unmarshal(raw, &history); err != nil {
			return nil, fmt.Errorf("reading the image history: %w", err)
		}
	}
	for i, h := range history {
		if h.EmptyLayer {
			continue
		}
		history[i].EmptyLayer = true
		history[i].Comment = strings.TrimPrefix(h.Comment+"; optfrontend static: its layer is left out of the image", "; ")
	}
	entry := ocispecs.History{CreatedBy: createdBy, Comment: "optfrontend static"}
	if raw, ok := cfg["created"]; ok {
		var t time.Time
		if err := json.Unmarshal(raw, &t); err == nil {
			entry.Created = &t
		}
	}
	dt, err := json.Marshal(append(history, entry))
	if err != nil {
		return nil, fmt.Errorf("writing the image history: %w", err)
	}
	cfg["history"] = dt
	return json.Marshal(cfg)
}

// refFS reads the files of a solved result.
type refFS struct {
	ctx context.Context
	ref gwclient.Reference
}

func (fs refFS) stat(p string) (fileStat, error) {
	s, err := fs.ref.StatFile(fs.ctx, gwclient.StatRequest{Path: p})
	if err != nil {
		return fileStat{}, fmt.Errorf("reading %s in the built image: %w", p, err)
	}
	return fileStat{mode: os.FileMode(s.Mode), uid: int(s.Uid), gid: int(s.Gid), size: s.Size, modTime: time.Unix(0, s.ModTime).UTC()}, nil
}

// at reads p by ranges: the ELF check reads headers, not the whole program.
func (fs refFS) at(p string) io.ReaderAt {
	return readerAtFunc(func(b []byte, off int64) (int, error) {
		dt, err := fs.ref.ReadFile(fs.ctx, gwclient.ReadRequest{Filename: p, Range: &gwclient.FileRange{Offset: int(off), Length: len(b)}})
		if err != nil {
			return 0, fmt.Errorf("reading %s in the built image: %w", p, err)
		}
		n := copy(b, dt)
		if n < len(b) {
			return n, io.EOF
		}
		return n, nil
	})
}

type readerAtFunc func([]byte, int64) (int, error)

func (f readerAtFunc) ReadAt(b []byte, off int64) (int, error) { return f(b, off) }
