//go:build unix

package file

import (
	"os"
	"syscall"
)

// idOf returns the device and inode of fi.
func idOf(fi os.FileInfo) fileID {
	if fi == nil {
		return fileID{}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)} //nolint:unconvert // Dev and Ino differ in type by platform
}
