//go:build !unix

package file

// unblockOpen does nothing on this platform (no FIFOs).
func unblockOpen(string) {}
