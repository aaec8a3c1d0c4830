package compare

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client"
)

// Machine describes the machine a benchmark ran on, for the table's
// caption: CPU model, cores, memory, OS, and the builder's worker.
func Machine(ctx context.Context, c *client.Client) string {
	parts := []string{
		fmt.Sprintf("%s, %d cores", cpuModel(), runtime.NumCPU()),
	}
	if mem := memTotal(); mem > 0 {
		parts = append(parts, fmt.Sprintf("%.1f GiB memory", float64(mem)/(1<<30)))
	}
	if os := osName(); os != "" {
		parts = append(parts, os)
	}
	if c != nil {
		parts = append(parts, builderDesc(ctx, c))
	}
	return strings.Join(parts, ", ")
}

// cpuModel is the first "model name" of /proc/cpuinfo, or GOARCH.
func cpuModel() string {
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		return v
	}
	return runtime.GOARCH
}

// memTotal is MemTotal of /proc/meminfo in bytes; 0 when unknown.
func memTotal() int64 {
	v := strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB")
	kb, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0
	}
	return kb * 1024
}

// osName is PRETTY_NAME of /etc/os-release.
func osName() string {
	dt, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(dt)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// procField reads the first "key: value" line with the key from a /proc
// file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// builderDesc names the builder's BuildKit version and first worker.
func builderDesc(ctx context.Context, c *client.Client) string {
	desc := "buildkitd"
	if info, err := c.Info(ctx); err == nil {
		desc += " " + info.BuildkitVersion.Version
	}
	if ws, err := c.ListWorkers(ctx); err == nil && len(ws) > 0 {
		l := ws[0].Labels
		if ex := l["org.mobyproject.buildkit.worker.executor"]; ex != "" {
			desc += fmt.Sprintf(" (%s worker, %s snapshotter)", ex, l["org.mobyproject.buildkit.worker.snapshotter"])
		}
	}
	return desc
}
