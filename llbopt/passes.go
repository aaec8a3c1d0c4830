package llbopt

import "github.com/moby/buildkit/util/apicaps"

// Config is what passes take from the build's options.
type Config struct {
	// CacheNamespace is the BUILDKIT_CACHE_MOUNT_NS build arg: the cache
	// mounts a pass adds are namespaced with it, as the stock frontend does
	// for the user's own.
	CacheNamespace string
	// SquashAll is the BUILDKIT_OPT_SQUASH build arg: one layer per run of
	// the target stage's steps, wasteful or not.
	SquashAll bool
	// Users reads the user database of a filesystem the build makes, for
	// passes that must know a user's home or ids; nil when unknown.
	Users UserDB
	// Read solves a definition and reads one file of its result, for
	// passes that check what a step made before they change the graph;
	// nil when there is no daemon to ask.
	Read FileReader
	// List lists a directory of a state, as Read reads a file; nil when
	// there is no daemon to ask.
	List DirReader
	// Entries lists a directory of a state with each entry's type; nil
	// when there is no daemon to ask.
	Entries EntryReader
	// LLBCaps are the builder's LLB capabilities, which decide what a pass
	// may emit; nil when unknown.
	LLBCaps *apicaps.CapSet
	// VCSDirs is whether the vcsdirs fix is on, which the contextfilter
	// pass also follows: version-control directories are left out of the
	// context even where the image that ships may hold them.
	VCSDirs bool
	// Slim is the slim fix's change of base image where the frontend
	// keeps the build on the full image (SlimBase); nil otherwise.
	Slim *SlimSwap
	// Self is the reference of the frontend's own image (the gateway's
	// "source" option), whose binary the squash pass runs in the build;
	// empty when unknown.
	Self string
}

// Entry is a known pass, whether it runs when the user says nothing, and
// whether it is a fix: a pass that changes what the image holds, which
// runs only when BUILDKIT_OPT_FIX (or BUILDKIT_OPT) names it.
type Entry struct {
	Pass    Pass
	Default bool
	Fix     bool
}

// Passes lists every pass the frontend knows, configured by cfg, in the
// order the pipeline runs them. The order is the one place where passes
// meet: a pass never looks at another's work except through the graph.
func Passes(cfg Config) []Entry {
	return []Entry{
		{Pass: ContextFilter{Caps: cfg.LLBCaps, VCS: cfg.VCSDirs}, Default: true},
		{Pass: SecretFilter{Caps: cfg.LLBCaps}, Default: true},
		{Pass: ManifestFirst{Read: cfg.Read, List: cfg.List, Caps: cfg.LLBCaps}, Default: true},
		{Pass: CacheMount{Namespace: cfg.CacheNamespace, Users: cfg.Users, Entries: cfg.Entries}, Default: true},
		{Pass: Leftovers{Caps: cfg.LLBCaps}, Default: true},
		{Pass: VCSDirs{Caps: cfg.LLBCaps}, Fix: true},
		{Pass: NoRecommends{}, Fix: true},
		{Pass: NoDevDeps{Caps: cfg.LLBCaps, List: cfg.List}, Fix: true},
		{Pass: Squash{All: cfg.SquashAll, Caps: cfg.LLBCaps, Helper: cfg.Self}, Default: true},
		{Pass: SlimBase{Swap: cfg.Slim, Read: cfg.Read, Caps: cfg.LLBCaps}, Fix: true},
		{Pass: BuildTools{Read: cfg.Read, Caps: cfg.LLBCaps}, Fix: true},
	}
}
