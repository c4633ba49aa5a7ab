package kafka

import kafkago "github.com/segmentio/kafka-go"

// javaBalancer partitions as Kafka's Java producer does: a keyed message
// goes to murmur2(key) mod partitions (a given key always lands in the
// same partition, the one a Java client would pick), and a message with a
// nil key goes round robin, one message per partition in turn, so
// unkeyed records spread evenly over every partition. (Java's producer
// spreads null keys round robin up to Kafka 2.3 and sticks to one
// partition per batch since 2.4; either way every partition gets its
// share, where kafka-go's Murmur2Balancer{Consistent: true} would hash
// every nil key into one partition.) Safe for concurrent use.
type javaBalancer struct {
	keyed   kafkago.Murmur2Balancer
	unkeyed kafkago.RoundRobin
}

var _ kafkago.Balancer = (*javaBalancer)(nil)

func newJavaBalancer() *javaBalancer {
	return &javaBalancer{keyed: kafkago.Murmur2Balancer{Consistent: true}}
}

// Balance implements kafkago.Balancer.
func (b *javaBalancer) Balance(msg kafkago.Message, partitions ...int) int {
	if msg.Key == nil {
		return b.unkeyed.Balance(msg, partitions...)
	}
	return b.keyed.Balance(msg, partitions...)
}
