package llbopt

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// TestCommandReads: what a step's commands may read of a directory an
// earlier step made. Anything not fully understood reads everything.
func TestCommandReads(t *testing.T) {
	const dir = "/go/pkg/mod"
	for _, tc := range []struct {
		script string
		reads  bool
	}{
		// Read.
		{"GOPROXY=off go build -o /app .", true},
		{"go build -o /app .", true}, // uses the module cache; fine only with the same mount
		{"cp -r /go /gocopy", true},
		{"tar -C / -cf /x.tar go", true},
		{"cat /go/pkg/mod/cache/download/x.info", true},
		{"ls /go/pkg", true}, // lists the directory the mount point is in
		{"ls /go/pkg/mod/github.com", true},
		{"./script.sh", true},
		{"sh script.sh", true},
		{"bash -c \"$SCRIPT\"", true},
		{"$GO build .", true},
		{"python3 app.py", true},
		{"make", true},
		{"while read l; do echo $l; done < /go/pkg/mod/list", true},
		{"cd $X && cat go.sum", true},
		{"npm run build", true},
		{"eval \"$CMD\"", true},
		{"xargs cat < files", true},
		{"rm -r /go/pkg/mod/cache", true},
		// Not read.
		{"echo hi > /hi", false},
		{"mkdir -p /app && cp /src/main /app/", false},
		{"sh -c 'echo ok && ls /tmp'", false},
		{"rm -rf /go/pkg/mod /tmp/x", false},
		{"rm -f $(ls)", false},
		{"apt-get update && apt-get install -y curl", false},
		{"useradd -m app && chown -R app /home/app", false},
		{"go version && go env GOPATH", false},
		{"pip install flask", false},
	} {
		t.Run(tc.script, func(t *testing.T) {
			e := pkgcache.Exec{Args: []string{"/bin/sh", "-c", tc.script}, Env: []string{"GOPATH=/go"}, Cwd: "/src"}
			cmds, err := pkgcache.AllCommands(e)
			require.NoError(t, err)
			res := pkgcache.Analyze(e, nil)
			var why string
			reads := false
			for _, c := range cmds {
				if w, ok := CommandReads(c, dir, "go-mod", res); ok {
					why, reads = w, true
					break
				}
			}
			require.Equal(t, tc.reads, reads, why)
		})
	}
}

func TestNamesPath(t *testing.T) {
	require.True(t, namesPath("file:///go/pkg/mod/cache/download", "/go/pkg/mod"))
	require.True(t, namesPath("/go/pkg/mod", "/go/pkg/mod"))
	require.True(t, namesPath("a:/go/pkg/mod:b", "/go/pkg/mod"))
	require.False(t, namesPath("/go/pkg/modules", "/go/pkg/mod"))
	require.False(t, namesPath("/go", "/go/pkg/mod"))
	require.True(t, namesInside("--find-links=/root/.cache/pip/wheels", "/root/.cache/pip"))
	require.False(t, namesInside("--cache-dir=/root/.cache/pip", "/root/.cache/pip"))
}
