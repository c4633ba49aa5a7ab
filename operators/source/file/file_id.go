package file

// fileID identifies a file across restarts: its device and inode number.
// The zero fileID means unknown (platforms without inodes).
type fileID struct{ dev, ino uint64 }

func (id fileID) known() bool { return id.ino != 0 }
