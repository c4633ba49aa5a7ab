package main

import (
	"errors"
	"flag"
	"time"
)

// durationFlag is a time.Duration flag whose error for a bad value says
// what is expected: the flag package prints it as
// `invalid value "banana" for flag -checkpoint-interval: expected a
// duration with a unit, such as 30s, 5m or 1h30m` (its own wording for
// fs.Duration is a bare "parse error").
type durationFlag struct{ d *time.Duration }

// errDurationForm is durationFlag's error for a value it cannot read.
var errDurationForm = errors.New("expected a duration with a unit, such as 30s, 5m or 1h30m")

func (f durationFlag) String() string {
	if f.d == nil {
		return "0s"
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errDurationForm
	}
	*f.d = d
	return nil
}

// durationVar defines a duration flag as fs.Duration does, with
// durationFlag's error for a bad value.
func durationVar(fs *flag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	d := value
	fs.Var(durationFlag{&d}, name, usage)
	return &d
}
