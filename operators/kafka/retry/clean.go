package retry

import (
	"regexp"
)

// goPrefix matches the Go names kafka-go puts before its errors, such as
// "kafka.(*Client).Produce: " or "kafka.(*Writer): ".
// A host name such as "kafka.internal: " is not one: the "(*Type)" part is
// required.
var goPrefix = regexp.MustCompile(`kafka\.\(\*[A-Za-z]+\)(?:\.[A-Za-z]+)?: `)

// Clean returns err with kafka-go's Go prefixes taken out of its text
// ("kafka.(*Client).Produce: dial tcp ..." says "dial tcp ..."), for
// messages users read. The result still unwraps to err, so errors.Is and
// errors.As (and Temporary) see what they saw before. It returns err
// itself when there is nothing to take out.
func Clean(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := goPrefix.ReplaceAllString(msg, "")
	if clean == msg {
		return err
	}
	return &cleanError{msg: clean, err: err}
}

type cleanError struct {
	msg string
	err error
}

func (e *cleanError) Error() string { return e.msg }
func (e *cleanError) Unwrap() error { return e.err }
