package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// A path that names neither a regular file nor a directory (a FIFO, a
// character device such as /dev/stdin) is a stream: it is read to its end
// (for a FIFO, until every writer has closed it) like a bounded file, but
//
//   - it is opened by the first Read, not by Open: opening a FIFO blocks
//     until a writer opens it, and Read honors cancellation where Open
//     cannot (openStream);
//   - a blocked read is interrupted when the query is cancelled
//     (readDeadlineOnCancel);
//   - it cannot be followed (follow = 'true' needs a file to reopen by
//     name) nor resumed from a checkpoint (it cannot seek): a restart reads
//     it from its current start, with a warning.

// isStream reports whether fi is neither a regular file nor a directory.
func isStream(fi os.FileInfo) bool {
	return !fi.Mode().IsRegular() && !fi.IsDir()
}

// openResult is what the goroutine that opens a stream hands back.
type openResult struct {
	f   *os.File
	fi  os.FileInfo
	err error
}

// openStream opens the stream at the path in a goroutine of its own and
// waits for it or for ctx. When ctx is done first the pending open is
// released (unblockOpen) and the file, once opened, closed.
func (s *Source) openStream(ctx context.Context) error {
	ch := make(chan openResult, 1)
	go func() {
		f, fi, err := s.openPath()
		ch <- openResult{f, fi, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return pathError(s.path, r.err)
		}
		return s.use(r.f, r.fi)
	case <-ctx.Done():
		go releaseOpen(s.path, ch)
		return ctx.Err()
	}
}

// releaseOpen releases the open of the FIFO at path that ch will report
// and closes the file it opened. The open may not have reached the kernel
// when unblockOpen first tries (which then finds no reader waiting): it
// tries again a few times before leaving the open to the next writer.
func releaseOpen(path string, ch <-chan openResult) {
	if r := awaitReleased(path, ch); r.f != nil {
		_ = r.f.Close()
	}
}

// awaitReleased calls unblockOpen until ch reports, a hundred times at
// most, then waits for ch.
func awaitReleased(path string, ch <-chan openResult) openResult {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for tries := 0; tries < 100; tries++ {
		unblockOpen(path)
		select {
		case r := <-ch:
			return r
		case <-t.C:
		}
	}
	return <-ch
}

// readDeadlineOnCancel makes a read of the open stream blocked when ctx is
// done return at once (os.ErrDeadlineExceeded); the returned func undoes
// it. For a regular file it does nothing.
func (s *Source) readDeadlineOnCancel(ctx context.Context) func() {
	if !s.stream || s.f == nil {
		return func() {}
	}
	f := s.f
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Unix(1, 0)) })
	return func() { stop() }
}

// cancelled maps a read interrupted by readDeadlineOnCancel to ctx's error.
func cancelled(ctx context.Context, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// streamFollowError is the error for follow = 'true' on a stream.
func (s *Source) streamFollowError(fi os.FileInfo) error {
	return fmt.Errorf("source %q: data file %q is a %s, not a regular file: follow = 'true' needs a regular file (a FIFO or device is read to its end without follow)%s",
		s.name, s.path, kindOf(fi), relativeTo(s.path))
}

// kindOf names the kind of a non-regular file.
func kindOf(fi os.FileInfo) string {
	m := fi.Mode()
	switch {
	case m&os.ModeNamedPipe != 0:
		return "FIFO"
	case m&os.ModeCharDevice != 0:
		return "character device"
	case m&os.ModeDevice != 0:
		return "device"
	case m&os.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}
