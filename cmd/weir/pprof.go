package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// startPprof serves Go's profiling endpoints (/debug/pprof/) on the address
// in WEIR_PPROF_ADDR, for diagnosing CPU and memory use of any command
// (e.g. WEIR_PPROF_ADDR=127.0.0.1:6060 weir run q.sql, then
// go tool pprof http://127.0.0.1:6060/debug/pprof/heap). Unset: nothing.
func startPprof() {
	addr := os.Getenv("WEIR_PPROF_ADDR")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "weir: WEIR_PPROF_ADDR: %v\n", err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() { _ = http.Serve(ln, mux) }()
}
