package llbopt

// Passes lists every pass the frontend knows, in the order the pipeline runs
// them. The order is the one place where passes meet: a pass never looks at
// another's work except through the graph.
var Passes = []Entry{
	{Pass: CacheMount{}, Default: true},
}
