package domain

import (
	"crypto/rand"
	"encoding/base64"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Passwords hashes and checks passwords with argon2id (RFC 9106).
type Passwords struct {
	params *argon2id.Params
	// dummy is a hash of a random password made with the same parameters, so that checking a
	// login for a user who does not exist costs the same as for one who does.
	dummy string
	// slots bounds the hashes computed at once: each holds memoryKiB of memory, and anyone can
	// ask for one by trying to sign in. A hash waits at most wait for a slot.
	slots chan struct{}
	wait  time.Duration
}

// busy is what a hash that found no slot in time returns.
var busy = &Error{Code: Unavailable, Message: "too many sign-ins at once; retry after the time in Retry-After"}

// Limit lets at most n hashes run at once; a hash that waits longer than wait for its turn
// fails with Unavailable. Call it before the first use.
func (p *Passwords) Limit(n int, wait time.Duration) {
	p.slots, p.wait = make(chan struct{}, n), wait
}

func (p *Passwords) acquire() error {
	if p.slots == nil {
		return nil
	}
	t := time.NewTimer(p.wait)
	defer t.Stop()
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-t.C:
		return busy
	}
}

func (p *Passwords) release() {
	if p.slots != nil {
		<-p.slots
	}
}

// NewPasswords uses memoryKiB of memory, iterations passes and parallelism lanes per hash.
func NewPasswords(memoryKiB uint32, iterations uint32, parallelism uint8) (*Passwords, error) {
	p := &Passwords{params: &argon2id.Params{
		Memory: memoryKiB, Iterations: iterations, Parallelism: parallelism, SaltLength: 16, KeyLength: 32,
	}}
	var err error
	p.dummy, err = p.Hash(RandomToken(16))
	return p, err
}

// Hash returns the PHC-encoded argon2id hash of password; Unavailable when too many hashes
// are running.
func (p *Passwords) Hash(password string) (string, error) {
	if err := p.acquire(); err != nil {
		return "", err
	}
	defer p.release()
	return argon2id.CreateHash(password, p.params)
}

// Check reports whether password matches hash; an empty hash is checked against the dummy so the
// time taken does not tell whether the account exists. Unavailable when too many hashes are
// running.
func (p *Passwords) Check(password, hash string) (bool, error) {
	if err := p.acquire(); err != nil {
		return false, err
	}
	defer p.release()
	if hash == "" {
		_, _ = argon2id.ComparePasswordAndHash(password, p.dummy)
		return false, nil
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok, nil
}

// ValidatePassword checks the strength rules for a new password.
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < 10 || len(pw) > 256 {
		return &Error{Code: Invalid, Message: "the password is too weak", Fields: map[string]string{"password": "10 to 256 characters"}}
	}
	return nil
}

// RandomToken returns n random bytes, base64url-encoded.
func RandomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oneTimeAlphabet leaves out the characters read for one another (0/O, 1/l/I, 5/S, 8/B).
const oneTimeAlphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY2346789"

// OneTimePassword is a random password of 14 characters (about 80 bits) that a reset hands
// out once; the account must change it at its next sign-in.
func OneTimePassword() string {
	out := make([]byte, 0, 14)
	limit := 256 - 256%len(oneTimeAlphabet) // bytes at or above it would favour the first letters
	b := make([]byte, 32)
	for len(out) < cap(out) {
		_, _ = rand.Read(b)
		for _, x := range b {
			if int(x) < limit && len(out) < cap(out) {
				out = append(out, oneTimeAlphabet[int(x)%len(oneTimeAlphabet)])
			}
		}
	}
	return string(out)
}
