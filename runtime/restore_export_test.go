package runtime

import "time"

// SetRestoreBackoff sets the first and longest wait between background
// restores of a view or sink whose restore failed, so that tests need not
// wait a second.
func SetRestoreBackoff(e *Engine, first, longest time.Duration) {
	e.restoreBackoff = [2]time.Duration{first, longest}
}
