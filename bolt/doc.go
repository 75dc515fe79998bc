// Package bolt serves the Bolt protocol that the Neo4j drivers speak:
// the version handshake, chunked message framing, PackStream values in the
// 4.x and 5.x shapes, request decoding and response encoding, and the
// per-connection state machine. Queries run through a small Backend
// interface, so this package depends only on core/value.
package bolt
