package catalog

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNameTaken: sources, sinks and views share one case-insensitive
// namespace; a taken name is an *ErrExists whose user-facing message names
// the kind of the object holding it, without a package prefix.
func TestNameTaken(t *testing.T) {
	c := New()
	require.NoError(t, c.AddSource(&Source{Name: "s"}))
	require.NoError(t, c.AddSink(&Sink{Name: "k"}))
	require.NoError(t, c.AddView(&View{Name: "v"}))

	for _, tc := range []struct {
		add  func() error
		want string
	}{
		{func() error { return c.AddSource(&Source{Name: "s"}) }, `source "s" already exists`},
		{func() error { return c.AddSource(&Source{Name: "S"}) }, `source "S" already exists`},
		{func() error { return c.AddView(&View{Name: "s"}) }, `source "s" already exists`},
		{func() error { return c.AddSink(&Sink{Name: "V"}) }, `view "V" already exists`},
		{func() error { return c.AddView(&View{Name: "k"}) }, `sink "k" already exists`},
	} {
		err := tc.add()
		require.EqualError(t, err, tc.want)
		var ex *ErrExists
		require.True(t, errors.As(err, &ex), "%T", err)
	}

	// Dropping frees the name for any kind.
	require.True(t, c.Drop("S"))
	require.False(t, c.Drop("s"))
	require.NoError(t, c.AddView(&View{Name: "s"}))
	require.NotNil(t, c.View("S"))
}
