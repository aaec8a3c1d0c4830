package checks

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/stretchr/testify/require"
)

// ruleField reads a field of a linter.LinterRule[F] whatever its F.
func ruleField(r linter.LinterRuleI, field string) string {
	return reflect.ValueOf(r).Elem().FieldByName(field).String()
}

// TestDocs checks that every rule has its section in docs/checks.md, at
// the anchor its URL names, quoting its description, with a manual and an
// automatic fix; and that the section order is Rules' order.
func TestDocs(t *testing.T) {
	dt, err := os.ReadFile("../docs/checks.md")
	require.NoError(t, err)
	doc := string(dt)
	sections := strings.Split(doc, "\n## ")
	var order []string
	for _, r := range Rules() {
		name := r.RuleName()
		t.Run(name, func(t *testing.T) {
			require.Equal(t, DocsURL+"#"+strings.ToLower(name), ruleField(r, "URL"))
			desc := ruleField(r, "Description")
			require.NotEmpty(t, desc)
			require.NotContains(t, desc, "\n")
			var section string
			for _, s := range sections {
				if strings.HasPrefix(s, name+"\n") {
					section = s
				}
			}
			require.NotEmpty(t, section, "no \"## %s\" section", name)
			require.Contains(t, section, "> "+desc+"\n")
			for _, part := range []string{"**What it means.**", "**Why it matters.**", "**How to fix it by hand.**", "**Automatic fix.**"} {
				require.Contains(t, section, part)
			}
			require.Contains(t, doc, "](#"+strings.ToLower(name)+")", "the table links to it")
		})
		order = append(order, name)
	}
	var documented []string
	for _, s := range sections[1:] {
		title, _, _ := strings.Cut(s, "\n")
		for _, name := range order {
			if title == name {
				documented = append(documented, name)
			}
		}
	}
	require.Equal(t, order, documented)
}
