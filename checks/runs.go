package checks

import "slices"

// checkRuns reports, once per RUN of the checked stages, the first apt-get
// or apt install that lets apt add recommended packages.
func checkRuns(c *checker) {
	for _, s := range c.df.checked() {
		for _, r := range s.cmds {
			if r.noRecommends {
				continue
			}
			for _, call := range r.calls {
				if op, ok := packageOp(call); ok && op.apt && op.install && !op.noRecommends && !op.opaque && len(op.pkgs) > 0 {
					c.report(&RuleAptInstallRecommends, r.cmd.Comments(), r.cmd.Location(), RuleAptInstallRecommends.Format(call.text))
					break
				}
			}
		}
	}
}

// installed is a build tool a RUN of the final image installed.
type installed struct {
	pkg   string
	group string
	run   *resolved
	call  string
}

// checkBuildTools reports compilers and package managers the final image
// keeps: those its base image ships, and those a RUN of its stages
// installs and no later RUN removes.
func checkBuildTools(c *checker) {
	chain := c.df.chain()
	root := chain[0]
	if root.base == nil && root.image.known() {
		if tools := imageTools(root.image); tools != nil {
			c.report(&RuleBuildToolsInFinalStage, root.Comments, root.Location,
				RuleBuildToolsInFinalStage.Format(tools, "base image "+root.image.String()))
		}
	}
	var left []installed
	for _, s := range chain {
		for i := range s.cmds {
			left = applyPackageOps(left, &s.cmds[i])
		}
	}
	reportLeft(c, left)
}

// applyPackageOps follows one RUN's installs and removals.
func applyPackageOps(left []installed, r *resolved) []installed {
	for _, call := range r.calls {
		op, ok := packageOp(call)
		switch {
		case !ok:
		case op.install:
			for _, p := range op.pkgs {
				if isBuildTool(p) {
					left = append(left, installed{pkg: p, group: op.group, run: r, call: call.text})
				}
			}
		case op.remove:
			left = slices.DeleteFunc(left, func(in installed) bool {
				return slices.Contains(op.pkgs, in.pkg) || (in.group != "" && slices.Contains(op.pkgs, in.group))
			})
		}
	}
	return left
}

// reportLeft reports the tools still installed, one finding per RUN that
// installed them.
func reportLeft(c *checker, left []installed) {
	for len(left) > 0 {
		run, call := left[0].run, left[0].call
		var tools []string
		left = slices.DeleteFunc(left, func(in installed) bool {
			if in.run != run {
				return false
			}
			if !slices.Contains(tools, in.pkg) {
				tools = append(tools, in.pkg)
			}
			return true
		})
		c.report(&RuleBuildToolsInFinalStage, run.cmd.Comments(), run.cmd.Location(),
			RuleBuildToolsInFinalStage.Format(tools, "installed by "+call))
	}
}
