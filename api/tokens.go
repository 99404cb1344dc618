package api

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/zhifa/zhifa/domain"
)

// accessTokenType is the JOSE typ of access tokens (RFC 9068); anything else is refused.
const accessTokenType = "at+jwt"

// maxTokenLength bounds what the verifier will even look at.
const maxTokenLength = 4096

// Signer issues and verifies EdDSA access tokens.
type Signer struct {
	key      ed25519.PrivateKey
	kid      string
	issuer   string
	audience string
	ttl      time.Duration
	parser   *jwt.Parser
}

type accessClaims struct {
	jwt.RegisteredClaims
	Roles    []string `json:"roles"`
	AgencyID string   `json:"agency_id,omitempty"`
	Epoch    int64    `json:"ep,omitempty"`
}

// NewSigner signs with key; tokens name issuer and audience and live for ttl.
func NewSigner(key ed25519.PrivateKey, issuer, audience string, ttl time.Duration) *Signer {
	pub := key.Public().(ed25519.PublicKey)
	sum := sha256.Sum256(pub)
	return &Signer{
		key: key, kid: base64.RawURLEncoding.EncodeToString(sum[:12]), issuer: issuer, audience: audience, ttl: ttl,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithIssuer(issuer), jwt.WithAudience(audience),
			jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(30*time.Second),
		),
	}
}

// Issue returns a signed access token for u and when it expires.
func (s *Signer) Issue(u *domain.User, now time.Time) (string, time.Time, error) {
	exp := now.Add(s.ttl)
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.issuer, Subject: u.ID, Audience: jwt.ClaimStrings{s.audience},
			ExpiresAt: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ID: domain.RandomToken(12),
		},
		Roles: make([]string, len(u.Roles)), AgencyID: u.AgencyID, Epoch: u.SessionEpoch,
	}
	for i, r := range u.Roles {
		claims.Roles[i] = string(r)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["typ"] = accessTokenType
	t.Header["kid"] = s.kid
	signed, err := t.SignedString(s.key)
	return signed, exp, err
}

// Verify checks an access token and returns its principal, or Unauthorized.
func (s *Signer) Verify(token string) (domain.Principal, error) {
	unauthorized := func(why string) (domain.Principal, error) {
		return domain.Principal{}, domain.Errorf(domain.Unauthorized, "the access token is not valid: %s", why)
	}
	if len(token) > maxTokenLength || strings.Count(token, ".") != 2 {
		return unauthorized("malformed")
	}
	var claims accessClaims
	_, err := s.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); !strings.EqualFold(strings.TrimPrefix(typ, "application/"), accessTokenType) {
			return nil, errors.New("not an access token")
		}
		return s.key.Public(), nil
	})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return unauthorized("expired")
	case err != nil:
		return unauthorized("rejected")
	case claims.Subject == "":
		return unauthorized("no subject")
	}
	p := domain.Principal{UserID: claims.Subject, AgencyID: claims.AgencyID, Epoch: claims.Epoch, Roles: make([]domain.Role, len(claims.Roles))}
	for i, r := range claims.Roles {
		p.Roles[i] = domain.Role(r)
	}
	return p, nil
}

// JWKS is the JSON Web Key Set that publishes the verification key.
func (s *Signer) JWKS() map[string]any {
	pub := s.key.Public().(ed25519.PublicKey)
	return map[string]any{"keys": []map[string]string{{
		"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(pub),
		"kid": s.kid, "alg": "EdDSA", "use": "sig",
	}}}
}

// LoadOrCreateKey reads the Ed25519 signing key: from pemText when set, else from path, else
// it generates one and writes it to path (mode 0600) so restarts keep sessions valid.
func LoadOrCreateKey(pemText, path string) (ed25519.PrivateKey, bool, error) {
	if pemText != "" {
		k, err := parseKey([]byte(pemText))
		return k, false, err
	}
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := parseKey(b)
		return k, false, err
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		return nil, false, err
	}
	return key, true, f.Sync()
}

func parseKey(b []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("the JWT signing key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the JWT signing key: %w", err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("the JWT signing key is not Ed25519")
	}
	return ek, nil
}
