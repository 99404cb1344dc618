package domain

import (
	"crypto/rand"
	"encoding/base64"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Passwords hashes and checks passwords with argon2id (RFC 9106).
type Passwords struct {
	params *argon2id.Params
	// dummy is a hash of a random password made with the same parameters, so that checking a
	// login for a user who does not exist costs the same as for one who does.
	dummy string
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

// Hash returns the PHC-encoded argon2id hash of password.
func (p *Passwords) Hash(password string) (string, error) {
	return argon2id.CreateHash(password, p.params)
}

// Check reports whether password matches hash; an empty hash is checked against the dummy so the
// time taken does not tell whether the account exists.
func (p *Passwords) Check(password, hash string) bool {
	if hash == "" {
		_, _ = argon2id.ComparePasswordAndHash(password, p.dummy)
		return false
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
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
