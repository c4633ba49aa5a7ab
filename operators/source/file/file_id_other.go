//go:build !unix

package file

import "os"

// idOf returns the zero (unknown) fileID: this platform has no inodes.
func idOf(os.FileInfo) fileID { return fileID{} }
