package llbopt

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// NoRecommends adds --no-install-recommends to every apt-get (or apt)
// install that lacks it. It changes what the image holds (the packages apt
// recommends are no longer installed, and a program that needs one of them
// breaks), so it never runs by default: the BUILDKIT_OPT_FIX=norecommends
// build arg asks for it, and the report names every command it changed.
type NoRecommends struct{}

// Name implements Pass.
func (NoRecommends) Name() string { return "norecommends" }

// Apply implements Pass.
func (NoRecommends) Apply(_ context.Context, g *Graph) (Report, error) {
	var rep Report
	for _, n := range g.Nodes() {
		exec := n.Op.GetExec()
		if exec == nil || exec.Meta == nil {
			continue
		}
		cmds, err := pkgcache.Commands(execOf(exec))
		if err != nil {
			continue // a script that does not parse is left as it is
		}
		var edits []pkgcache.Edit
		var changed []string
		for _, c := range cmds {
			i, ok := aptInstall(c)
			if !ok {
				continue
			}
			ed, ok := c.InsertAfter(i, " --no-install-recommends")
			if !ok {
				rep.Findings = append(rep.Findings, Finding{Node: n, Message: fmt.Sprintf("left `%s` as it is: its install word cannot be edited in place", c.Text)})
				continue
			}
			edits = append(edits, ed)
			changed = append(changed, c.Text)
		}
		if len(edits) == 0 {
			continue
		}
		fixed, err := pkgcache.Apply(execOf(exec), edits)
		if err != nil {
			rep.Findings = append(rep.Findings, Finding{Node: n, Message: fmt.Sprintf("left the step as it is: %v", err)})
			continue
		}
		exec.Meta.Args = fixed.Args
		rep.Findings = append(rep.Findings, Finding{Node: n, Changed: true, Message: fmt.Sprintf(
			"added --no-install-recommends to `%s`: recommended packages are no longer installed", strings.Join(changed, "`, `"))})
	}
	return rep, nil
}

// aptInstall returns the index of the install word of an apt-get or apt
// install that installs recommended packages: no --no-install-recommends,
// no APT::Install-Recommends option of its own.
func aptInstall(c pkgcache.Command) (int, bool) {
	if c.Name != "apt-get" && c.Name != "apt" {
		return 0, false
	}
	at := -1
	for i, a := range c.Args {
		switch {
		case !c.Known[i]:
			return 0, false // an option the script computes may be the flag
		case a == "--no-install-recommends" || a == "--install-recommends" || strings.Contains(a, "Install-Recommends"):
			return 0, false
		case at < 0 && a == "install":
			at = i
		case at < 0 && !strings.HasPrefix(a, "-") && !slices.Contains([]string{"-o", "-c", "-t"}, argBefore(c.Args, i)):
			return 0, false // another subcommand
		}
	}
	return at, at >= 0
}

// argBefore is the argument before args[i], "" for the first.
func argBefore(args []string, i int) string {
	if i == 0 {
		return ""
	}
	return args[i-1]
}
