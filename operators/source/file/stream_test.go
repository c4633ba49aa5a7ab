//go:build unix

package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// mkfifo makes a FIFO in a temporary directory.
func mkfifo(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "ff")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	return path
}

// writeFIFO opens path for writing (blocking until the source opens it
// for reading), writes lines from..to-1 as writeLines does and closes it;
// the error, if any, is sent on the returned channel.
func writeFIFO(path string, from, to int) <-chan error {
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			done <- err
			return
		}
		for i := from; i < to && err == nil; i++ {
			_, err = fmt.Fprintf(f, "{\"ts\":%d,\"model\":\"m%d\",\"tokens\":%d}\n", i*1000, i%3, i)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		done <- err
	}()
	return done
}

// within fails the test unless fn returns within d.
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %s", what, d)
	}
}

// TestFIFOSource: a FIFO is read to the end of what its writer writes, like
// a bounded file. Neither CheckPath nor Open opens it (opening would block
// until a writer comes and take the writer's data away from the source).
func TestFIFOSource(t *testing.T) {
	path := mkfifo(t)
	within(t, 10*time.Second, "CheckPath on a FIFO without a writer", func() {
		require.NoError(t, CheckPath(path))
	})
	var src *Source
	within(t, 10*time.Second, "Open of a FIFO without a writer", func() {
		src, _, _ = newSource(t, path, nil)
	})
	wrote := writeFIFO(path, 0, 3000)
	var tokens []int64
	within(t, 30*time.Second, "reading the FIFO to its end", func() {
		tokens, _ = readAll(t, src)
	})
	require.NoError(t, <-wrote)
	require.Len(t, tokens, 3000)
	for i, v := range tokens {
		require.Equal(t, int64(i), v)
	}
	off, line := src.Position()
	require.Equal(t, int64(3000), line)
	require.Positive(t, off)
}

// TestFIFOCancelWithoutWriter: a Read waiting for a FIFO's writer returns
// the context's error once it is cancelled.
func TestFIFOCancelWithoutWriter(t *testing.T) {
	path := mkfifo(t)
	src, _, _ := newSource(t, path, nil)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- src.Read(ctx, coldata.NewBatch(src.Schema(), 0)) }()
	cancel()
	select {
	case err := <-errc:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Read blocked on a FIFO without a writer ignored cancellation")
	}
}

// TestFIFOCancelSilentWriter: a Read blocked on a FIFO whose writer is
// connected but writes nothing more returns once the context is cancelled.
func TestFIFOCancelSilentWriter(t *testing.T) {
	path := mkfifo(t)
	src, _, _ := newSource(t, path, nil)
	ctx, cancel := context.WithCancel(context.Background())
	wopen := make(chan *os.File, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			wopen <- nil
			return
		}
		_, _ = f.WriteString(`{"ts":1000,"model":"a","tokens":1}` + "\n")
		wopen <- f
	}()
	errc := make(chan error, 1)
	go func() { errc <- src.Read(ctx, coldata.NewBatch(src.Schema(), 0)) }()
	w := <-wopen
	require.NotNil(t, w)
	defer w.Close()
	cancel()
	select {
	case err := <-errc:
		require.True(t, errors.Is(err, context.Canceled), "got %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Read blocked on a silent FIFO writer ignored cancellation")
	}
}

// TestFIFOFollowRefused: follow = 'true' needs a regular file.
func TestFIFOFollowRefused(t *testing.T) {
	path := mkfifo(t)
	def := &catalog.Source{Name: "metrics", Schema: metricsSchema, Connector: "file",
		Options: catalog.Options{"path": path, "follow": "true"}}
	src, err := New(def)
	require.NoError(t, err)
	err = src.Open(nil)
	require.EqualError(t, err, fmt.Sprintf(`source "metrics": data file %q is a FIFO, not a regular file: follow = 'true' needs a regular file (a FIFO or device is read to its end without follow)`, path))
}

// TestFIFOReleaseOpen: an open of a FIFO blocked for want of a writer is
// released after a cancellation, so no goroutine stays blocked in it; the
// release retries while the open has not reached the kernel yet.
func TestFIFOReleaseOpen(t *testing.T) {
	path := mkfifo(t)
	ch := make(chan openResult, 1)
	go func() {
		f, err := os.Open(path)
		ch <- openResult{f: f, err: err}
	}()
	within(t, 10*time.Second, "releasing a FIFO open without a writer", func() { releaseOpen(path, ch) })
}
