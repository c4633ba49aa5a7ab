package runtime

import "github.com/weirdb/weir/coldata"

// msgKind says what a message on an edge between goroutines carries.
type msgKind uint8

const (
	msgBatch     msgKind = iota // batch: owned by the receiver until it returns it to free
	msgWatermark                // wm: the sending input's watermark advanced
	msgEOS                      // the input ended (its watermark is +∞ already)
	msgErr                      // err: the input failed; the query fails
	msgBarrier                  // checkpoint barrier ckpt; blobs hold the input's state at it
)

// message travels in order on the edge from a source goroutine to the
// query's operator goroutine. Control messages (watermarks, end of stream)
// travel in-band with the batches so that order is kept.
type message struct {
	kind  msgKind
	input int
	batch *coldata.Batch
	wm    int64
	err   error
	ckpt  uint64
	blobs map[string][]byte // msgBarrier, msgEOS: the source's and assigner's snapshots
}
