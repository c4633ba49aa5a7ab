//go:build linux && cgo

package main

/*
#include <malloc.h>

// limitArenas caps glibc's malloc arenas. Pebble keeps its block cache and
// memtables in C memory; with glibc's default of up to 8 arenas per core,
// the many OS threads of a Go program each grow their own arena, and the
// cache's steady churn of freed and reallocated blocks leaves tens of
// megabytes resident in arenas no thread reuses.
static void limitArenas(void) {
#ifdef M_ARENA_MAX
	mallopt(M_ARENA_MAX, 2);
#endif
}
*/
import "C"

func init() { C.limitArenas() }
