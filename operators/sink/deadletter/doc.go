// Package deadletter holds dead-letter destinations (SEMANTICS.md §7): a
// JSON-lines file, a rate-limited counting logger for sources without a
// destination, and a router that sends each source's dead letters to its
// own destination.
package deadletter
