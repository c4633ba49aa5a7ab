package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CheckPath reports whether a bounded file source could read path now: it
// opens the path and checks that it is not a directory, then closes it. A
// FIFO or device is not opened, only found to exist. Its
// error says what is wrong with the file in the words Open uses (see
// pathError), so that `weir run` can refuse the CREATE SOURCE before any
// query starts instead of failing once running.
//
// A relative path is resolved against the process's working directory when
// the source opens it (as Flink's filesystem connector does); the error
// names that directory.
func CheckPath(path string) error {
	// A FIFO or device is only looked at: opening a FIFO would block until
	// a writer comes, and would take that writer's data away from the
	// source (stream.go).
	if fi, err := os.Stat(path); err == nil && isStream(fi) {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return pathError(path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return pathError(path, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("data file %q is a directory, expected a JSON-lines file%s", path, relativeTo(path))
	}
	return nil
}

// pathError describes an error opening the data file at path: that it does
// not exist or cannot be read, and, for a relative path, the working
// directory it was resolved against. Other errors keep the OS's words.
func pathError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("data file %q does not exist%s", path, relativeTo(path))
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("data file %q cannot be read: permission denied%s", path, relativeTo(path))
	}
	return fmt.Errorf("data file %q cannot be opened: %w%s", path, unwrapPathError(err), relativeTo(path))
}

// unwrapPathError drops the "open PATH: " of an *fs.PathError, which the
// message already names.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// relativeTo is " (relative paths are resolved against the working
// directory DIR)" for a relative path, "" for an absolute one.
func relativeTo(path string) string {
	if filepath.IsAbs(path) {
		return ""
	}
	wd, err := os.Getwd()
	if err != nil {
		return " (a relative path is resolved against the working directory, which cannot be determined: " + err.Error() + ")"
	}
	return " (relative paths are resolved against the working directory " + wd + ")"
}
