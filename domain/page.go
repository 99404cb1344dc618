package domain

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// Page asks for one page of a list: at most Limit items after the opaque Cursor.
type Page struct {
	Limit  int
	Cursor string
}

// MaxPageLimit caps every list.
const MaxPageLimit = 200

// Normalize applies the default and the cap to the limit.
func (p Page) Normalize() Page {
	if p.Limit <= 0 {
		p.Limit = 50
	}
	p.Limit = min(p.Limit, MaxPageLimit)
	return p
}

// NewID returns an opaque id that sorts by creation time: 4 bytes of Unix seconds and 8 random
// bytes, hex-encoded (the shape of a MongoDB ObjectID).
func NewID() string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(time.Now().Unix()))
	_, _ = rand.Read(b[4:])
	return hex.EncodeToString(b[:])
}
