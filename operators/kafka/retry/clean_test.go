package retry

import (
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClean(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("kafka.(*Client).Produce: %w", dial), "dial tcp: connect: connection refused"},
		{fmt.Errorf("kafka.(*Writer): %w", dial), "dial tcp: connect: connection refused"},
		{fmt.Errorf("kafka.(*Writer).WriteMessages: kafka.(*Client).Metadata: %w", dial), "dial tcp: connect: connection refused"},
		{&GiveUpError{Err: fmt.Errorf("kafka.(*Client).Produce: %w", dial), Attempts: 4, After: 3e9},
			"dial tcp: connect: connection refused (still failing after 4 attempts over 3s)"},
		{fmt.Errorf("kafka.(*Client).Metadata: %w", errors.New("dial tcp: lookup kafka.internal: no such host")),
			"dial tcp: lookup kafka.internal: no such host"},
		{errors.New("[29] Topic Authorization Failed: the client is not authorized"), "[29] Topic Authorization Failed: the client is not authorized"},
	} {
		got := Clean(tc.err)
		require.Equal(t, tc.want, got.Error())
		var nerr net.Error
		if errors.As(tc.err, &nerr) {
			require.ErrorAs(t, got, &nerr, "Clean keeps the chain")
			require.True(t, Temporary(got))
		}
	}
	require.NoError(t, Clean(nil))
	plain := errors.New("x")
	require.Same(t, plain, Clean(plain))
}
