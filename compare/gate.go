package compare

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ErrBadGate is wrapped by every error ParseGate returns.
var ErrBadGate = errors.New("bad gate expression")

// ErrGateFailed is wrapped by the error of a verdict in which a condition
// holds.
var ErrGateFailed = errors.New("gate failed")

// Gate is what `optctl compare --fail-if` checks on a report, for CI: the
// conditions in the order given. Its expression is a comma-separated list
// of conditions METRIC OP NUMBER, such as "size>1.00,cold>1.10,wasted>0";
// the gate fails when any condition holds.
//
// OP is one of > >= < <=. A metric (see metrics) is either a ratio,
// optimized over stock (of the medians, for times), compared unrounded,
// or, for wasted, a byte count, whose number may carry a unit: B, kB, MB,
// GB, TB (powers of 1000, as the table prints sizes) or KiB, MiB, GiB, TiB
// (powers of 1024), in any case. Numbers are decimal and not negative.
// Spaces around the parts are allowed; metric names are read in any case.
type Gate []Condition

// Condition is one METRIC OP NUMBER of a gate.
type Condition struct {
	// Metric is the metric's name, in lower case.
	Metric string
	// Op is one of > >= < <=.
	Op string
	// Number is the number as written, unit included ("1.10", "10MB").
	Number string
	// Value is Number's value; in bytes for a byte metric.
	Value float64
}

// metric is one quantity of a report a gate can test.
type metric struct {
	name string
	// doc says what it is, for the flag's help.
	doc string
	// bytes is true for a byte count; false for a ratio.
	bytes bool
	// scenario is true for a scenario's time.
	scenario bool
	// value measures it in a report, with the numbers it came from.
	value func(*Report) (v float64, detail string, err error)
}

// gateScenarios are the scenarios a gate can test, by the names the
// report gives them (see session.scenarios).
var gateScenarios = []struct{ name, doc string }{
	{"cold", "cold build (no cache)"},
	{"warm", "warm rebuild, nothing changed"},
	{"source", "rebuild after one source line changed"},
	{"dep", "rebuild after one dependency was added"},
}

// metrics lists every metric, in the order the help gives them.
func metrics() []metric {
	ms := []metric{
		imageRatio("size", "compressed image size", func(i *Image) int64 { return i.Size }, Bytes),
		imageRatio("unpacked", "uncompressed layers", func(i *Image) int64 { return i.Uncompressed }, Bytes),
		imageRatio("layers", "number of layers", func(i *Image) int64 { return int64(len(i.Layers)) }, func(n int64) string { return strconv.FormatInt(n, 10) }),
		imageRatio("context", "build context bytes sent", func(i *Image) int64 { return i.ContextBytes }, Bytes),
		{name: "wasted", doc: "bytes the optimized image's own layers waste", bytes: true, value: wasted},
	}
	for _, sc := range gateScenarios {
		ms = append(ms, metric{name: sc.name, doc: "build time, " + sc.doc, scenario: true, value: scenarioRatio(sc.name)})
	}
	return ms
}

// imageRatio is a metric that is the optimized image's quantity over
// stock's.
func imageRatio(name, doc string, of func(*Image) int64, format func(int64) string) metric {
	return metric{name: name, doc: doc, value: func(r *Report) (float64, string, error) {
		if r.Stock == nil || r.Optimized == nil {
			return 0, "", errors.New("the report has no images")
		}
		s, o := of(r.Stock), of(r.Optimized)
		if s == 0 {
			return 0, "", fmt.Errorf("stock's value is %s: no ratio", format(0))
		}
		return float64(o) / float64(s), fmt.Sprintf("optimized %s / stock %s", format(o), format(s)), nil
	}}
}

// wasted is the bytes the optimized image's own layers waste.
func wasted(r *Report) (float64, string, error) {
	if r.Optimized == nil {
		return 0, "", errors.New("the report has no optimized image")
	}
	n, detail := r.Optimized.OwnWasted, ""
	if Bytes(n) != fmt.Sprintf("%d B", n) {
		detail = fmt.Sprintf("%d B", n)
	}
	return float64(n), detail, nil
}

// scenarioRatio is the metric of a scenario: the optimized median time
// over stock's.
func scenarioRatio(name string) func(*Report) (float64, string, error) {
	return func(r *Report) (float64, string, error) {
		i := slices.IndexFunc(r.Scenarios, func(s ScenarioResult) bool { return s.Name == name })
		if i < 0 {
			return 0, "", fmt.Errorf("the report has no %s scenario; metrics it has: %s", name, strings.Join(r.gateMetrics(), ", "))
		}
		sc := r.Scenarios[i]
		if sc.Skipped != "" {
			return 0, "", fmt.Errorf("the %s scenario was skipped (%s); metrics this report has: %s", name, sc.Skipped, strings.Join(r.gateMetrics(), ", "))
		}
		if sc.Stock.Median == 0 {
			return 0, "", errors.New("stock's median time is 0: no ratio")
		}
		return sc.Optimized.Median / sc.Stock.Median, fmt.Sprintf("optimized %s / stock %s", Seconds(sc.Optimized.Median), Seconds(sc.Stock.Median)), nil
	}
}

// gateMetrics lists the metrics a report can answer: every one but the
// scenarios it lacks or skipped.
func (r *Report) gateMetrics() []string {
	var out []string
	for _, m := range metrics() {
		ran := slices.ContainsFunc(r.Scenarios, func(s ScenarioResult) bool { return s.Name == m.name && s.Skipped == "" })
		if !m.scenario || ran {
			out = append(out, m.name)
		}
	}
	return out
}

// lookupMetric finds a metric by name, in any case.
func lookupMetric(name string) (metric, bool) {
	ms := metrics()
	i := slices.IndexFunc(ms, func(m metric) bool { return m.name == strings.ToLower(name) })
	if i < 0 {
		return metric{}, false
	}
	return ms[i], true
}

// metricNames lists every metric's name.
func metricNames() string {
	var names []string
	for _, m := range metrics() {
		names = append(names, m.name)
	}
	return strings.Join(names, ", ")
}

// GateHelp describes the expression language and every metric, for a
// flag's usage.
func GateHelp() string {
	var b strings.Builder
	b.WriteString("fail (exit 1) when any condition of `EXPR` holds on the report; EXPR is comma-separated METRIC OP NUMBER, OP one of > >= < <=, " +
		"e.g. 'size>1.00,cold>1.10,wasted>0'; repeatable. Ratios are optimized/stock (medians for times), compared unrounded. Metrics:")
	for _, m := range metrics() {
		kind := "ratio"
		if m.bytes {
			kind = "bytes; units B kB MB GB TB, KiB MiB GiB TiB"
		}
		fmt.Fprintf(&b, "\n%-8s %s (%s)", m.name, m.doc, kind)
	}
	b.WriteString("\nA condition on a scenario that will not run (dep without --dep-cmd, source with no file to change) is an error")
	return b.String()
}

// ParseGate parses a gate expression, and reports every condition it
// cannot read.
func ParseGate(expr string) (Gate, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, fmt.Errorf("%w: empty: want METRIC OP NUMBER, comma-separated", ErrBadGate)
	}
	var g Gate
	var bad []string
	for part := range strings.SplitSeq(expr, ",") {
		c, err := parseCondition(strings.TrimSpace(part))
		if err != nil {
			bad = append(bad, fmt.Sprintf("%q: %v", strings.TrimSpace(part), err))
			continue
		}
		g = append(g, c)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrBadGate, strings.Join(bad, "; "))
	}
	return g, nil
}

// operators are the comparisons a condition may use.
var operators = []string{">", ">=", "<", "<="}

// parseCondition parses METRIC OP NUMBER.
func parseCondition(s string) (Condition, error) {
	if s == "" {
		return Condition{}, errors.New("empty condition (a stray comma?)")
	}
	i := strings.IndexAny(s, "<>=!")
	if i < 0 {
		return Condition{}, errors.New("no operator: want METRIC OP NUMBER, OP one of > >= < <=")
	}
	name := strings.TrimSpace(s[:i])
	rest := s[i:]
	op := rest[:len(rest)-len(strings.TrimLeft(rest, "<>=!"))]
	if !slices.Contains(operators, op) {
		return Condition{}, fmt.Errorf("operator %q: want one of > >= < <=", op)
	}
	if name == "" {
		return Condition{}, fmt.Errorf("no metric before %q; known metrics: %s", op, metricNames())
	}
	m, ok := lookupMetric(name)
	if !ok {
		return Condition{}, fmt.Errorf("unknown metric %q; known metrics: %s", name, metricNames())
	}
	number := strings.TrimSpace(rest[len(op):])
	v, err := parseNumber(number, m)
	if err != nil {
		return Condition{}, err
	}
	return Condition{Metric: m.name, Op: op, Number: number, Value: v}, nil
}

// byteUnits are the units a byte count may carry, in lower case.
var byteUnits = map[string]float64{
	"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// parseNumber reads a non-negative decimal number, with a unit where the
// metric counts bytes.
func parseNumber(s string, m metric) (float64, error) {
	digits := s[:len(s)-len(strings.TrimLeft(s, "0123456789."))]
	unit := strings.TrimSpace(s[len(digits):])
	if strings.Trim(digits, ".") == "" || strings.Count(digits, ".") > 1 {
		return 0, fmt.Errorf("%s: want a number after the operator, got %q", m.name, s)
	}
	v, err := strconv.ParseFloat(digits, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: number %q: %w", m.name, digits, err)
	}
	if unit == "" {
		return v, nil
	}
	if !m.bytes {
		return 0, fmt.Errorf("%s is a ratio (optimized/stock): give a plain number such as 1.05, not %q", m.name, s)
	}
	mult, ok := byteUnits[strings.ToLower(unit)]
	if !ok {
		return 0, fmt.Errorf("%s: unknown unit %q: want B, kB, MB, GB, TB, KiB, MiB, GiB or TiB", m.name, unit)
	}
	if math.IsInf(v*mult, 0) {
		return 0, fmt.Errorf("%s: %q is too large", m.name, s)
	}
	return v * mult, nil
}

// String implements flag.Value: the gate as ParseGate reads it.
func (g *Gate) String() string {
	if g == nil {
		return ""
	}
	var parts []string
	for _, c := range *g {
		parts = append(parts, c.String())
	}
	return strings.Join(parts, ",")
}

// Set implements flag.Value: each use of the flag adds its conditions.
func (g *Gate) Set(expr string) error {
	more, err := ParseGate(expr)
	if err != nil {
		return err
	}
	*g = append(*g, more...)
	return nil
}

// String is the condition as written, without spaces.
func (c Condition) String() string { return c.Metric + c.Op + c.Number }

// holds compares a measured value with the condition's number.
func (c Condition) holds(v float64) bool {
	switch c.Op {
	case ">":
		return v > c.Value
	case ">=":
		return v >= c.Value
	case "<":
		return v < c.Value
	case "<=":
		return v <= c.Value
	}
	return false
}

// Outcome is one condition's result on a report.
type Outcome struct {
	Condition Condition
	// Value is the metric as measured; Detail the numbers it came from.
	Value  float64
	Detail string
	// Holds is true when the condition holds, which fails the gate.
	Holds bool
}

// String says what was measured, and from what: "size is 1.0312
// (optimized 58.2 MB / stock 56.4 MB)", "wasted is 1.5 MB (1500000 B)".
func (o Outcome) String() string {
	m, _ := lookupMetric(o.Condition.Metric)
	s := m.name + " is " + formatRatio(o.Value, o.Condition)
	if m.bytes {
		s = m.name + " is " + Bytes(int64(o.Value))
	}
	if o.Detail != "" {
		s += " (" + o.Detail + ")"
	}
	return s
}

// formatRatio prints a ratio with four decimals, or as many more as it
// takes to show that it differs from the condition's number.
func formatRatio(v float64, c Condition) string {
	for prec := 4; ; prec++ {
		s := strconv.FormatFloat(v, 'f', prec, 64)
		shown, _ := strconv.ParseFloat(s, 64)
		if c.holds(shown) == c.holds(v) || prec >= 17 {
			return s
		}
	}
}

// Verdict is a gate's result on one report.
type Verdict struct {
	// Gate is what was checked.
	Gate Gate
	// Outcomes hold one result per condition the report could answer, in
	// the gate's order.
	Outcomes []Outcome
	// Unanswered joins the errors of the conditions the report cannot
	// answer (a skipped scenario, a ratio over zero); nil when none.
	Unanswered error
}

// Evaluate checks every condition of the gate on a report.
func (g Gate) Evaluate(r *Report) Verdict {
	v := Verdict{Gate: g}
	var errs []error
	for _, c := range g {
		m, ok := lookupMetric(c.Metric)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: unknown metric %q; known metrics: %s", c, c.Metric, metricNames()))
			continue
		}
		val, detail, err := m.value(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c, err))
			continue
		}
		v.Outcomes = append(v.Outcomes, Outcome{Condition: c, Value: val, Detail: detail, Holds: c.holds(val)})
	}
	v.Unanswered = errors.Join(errs...)
	return v
}

// Failed lists the outcomes whose condition holds.
func (v Verdict) Failed() []Outcome {
	var out []Outcome
	for _, o := range v.Outcomes {
		if o.Holds {
			out = append(out, o)
		}
	}
	return out
}

// Err is nil when the gate passed: no condition holds and every one could
// be answered. Otherwise it names each condition that holds with its
// measured value (wrapping ErrGateFailed), and those the report cannot
// answer.
func (v Verdict) Err() error {
	var msgs []string
	for _, o := range v.Failed() {
		msgs = append(msgs, fmt.Sprintf("%s holds: %s", o.Condition, o))
	}
	var failed error
	if len(msgs) > 0 {
		failed = fmt.Errorf("%w: %s", ErrGateFailed, strings.Join(msgs, "; "))
	}
	return errors.Join(failed, v.Unanswered)
}

// checkScenarios refuses, before anything is built, a gate that tests a
// scenario that will not run.
func (g Gate) checkScenarios(scs []Scenario) error {
	var errs []error
	for _, c := range g {
		i := slices.IndexFunc(scs, func(s Scenario) bool { return s.Name == c.Metric })
		if i >= 0 && scs[i].skipped != "" {
			errs = append(errs, fmt.Errorf("gate condition %s: the %s scenario will not run: %s", c, c.Metric, scs[i].skipped))
		}
	}
	return errors.Join(errs...)
}
