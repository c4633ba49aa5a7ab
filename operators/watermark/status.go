package watermark

import "time"

// PartitionStatus is one partition's line of SHOW WATERMARKS.
type PartitionStatus struct {
	Partition int32
	// Watermark is W_p and MaxEventTime is M_p; math.MinInt64 (−∞) before
	// the first event.
	Watermark    int64
	MaxEventTime int64
	// LastEvent is the processing time of the last accepted event (or when
	// the partition became known).
	LastEvent time.Time
	Idle      bool
	Ended     bool
	// Holding reports that the partition is active and its W_p is the
	// minimum over active partitions: it holds the source watermark back.
	Holding bool
}

// Status lists every known partition, ordered by partition id.
func (a *Assigner) Status() []PartitionStatus { return a.AppendStatus(nil) }

// AppendStatus appends Status's rows to dst and returns it, so that a
// caller publishing the status after every batch can reuse one slice.
func (a *Assigner) AppendStatus(dst []PartitionStatus) []PartitionStatus {
	lo, any := a.minActive()
	for _, p := range a.parts {
		dst = append(dst, PartitionStatus{
			Partition:    p.id,
			Watermark:    p.wm,
			MaxEventTime: p.maxTime,
			LastEvent:    p.lastEvent,
			Idle:         p.idle,
			Ended:        p.ended,
			Holding:      any && p.active() && p.wm == lo,
		})
	}
	return dst
}
