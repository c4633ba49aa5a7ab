//go:build unix

package file

import (
	"os"
	"syscall"
)

// unblockOpen releases an open of the FIFO at path that is blocked waiting
// for a writer, by opening its write end without blocking (which succeeds
// only while a reader is waiting) and closing it at once.
func unblockOpen(path string) {
	w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err == nil {
		_ = w.Close()
	}
}
