package kafka

import "fmt"

// OffsetOutOfRangeError reports that the offset a partition was to be read
// from is no longer (or not yet) in the partition, typically because
// retention deleted the records. weir never skips records silently: the
// query fails with this error and an operator decides what to do.
type OffsetOutOfRangeError struct {
	Topic     string
	Partition int32
	Offset    int64 // the offset weir asked for
	Earliest  int64 // the first offset the broker still has (-1 if unknown)
	Latest    int64 // the partition's end offset (-1 if unknown)
}

// Error names the partition and the offsets.
func (e *OffsetOutOfRangeError) Error() string {
	return fmt.Sprintf("topic %q partition %d: offset %d is out of range (the partition holds offsets [%d, %d)); records were deleted by retention or the offset is invalid, refusing to skip them",
		e.Topic, e.Partition, e.Offset, e.Earliest, e.Latest)
}
