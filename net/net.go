// Package net defines how nodes exchange messages: endpoints addressed by
// "host:port" strings, a fire-and-forget Send that may drop, and delivery to
// the node's handler on its event loop.
package net

// Message is one protocol message between nodes. Type names the message kind
// within its protocol; Body holds its explicit binary encoding (see Writer and
// Reader), never gob.
type Message struct {
	Type uint16
	Body []byte
}

// Endpoint is a node's attachment to the network.
type Endpoint interface {
	// Addr is this endpoint's own "host:port" address.
	Addr() string
	// Send queues msg for delivery to the endpoint at addr. It never blocks
	// and may drop the message (full queue, broken connection, partition);
	// protocols on top number and retransmit what must arrive.
	Send(to string, msg Message)
}

// Handler receives a delivered message on the receiving node's event loop.
type Handler func(from string, msg Message)
