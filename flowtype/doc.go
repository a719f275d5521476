// Package flowtype holds Flowgate's lowest-level types: the rows the engine
// reads and writes (instances, tasks, events, the directory), their state
// enums, and the typed errors every other package returns.
//
// It imports nothing but the standard library so that the root package, the
// definition model and the store can all share it without an import cycle.
// Users normally reach these types through aliases in package flowgate.
package flowtype
