package handlers

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Proxies are the addresses (and CIDR ranges) of the proxies whose X-Forwarded-For is
// believed (ZHIFA_TRUSTED_PROXIES).
type Proxies struct {
	addrs    map[netip.Addr]bool
	prefixes []netip.Prefix
}

// NewProxies reads a list of addresses and CIDR ranges; what is neither is left out.
func NewProxies(list []string) *Proxies {
	p := &Proxies{addrs: map[netip.Addr]bool{}}
	for _, s := range list {
		s = strings.TrimSpace(s)
		if pre, err := netip.ParsePrefix(s); err == nil {
			p.prefixes = append(p.prefixes, pre.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			p.addrs[a.Unmap()] = true
		}
	}
	return p
}

func (p *Proxies) trusts(a netip.Addr) bool {
	if p == nil {
		return false
	}
	a = a.Unmap()
	if p.addrs[a] {
		return true
	}
	for _, pre := range p.prefixes {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// ClientOf is the address a request comes from: the peer, unless the peer is a trusted proxy;
// then X-Forwarded-For is read from the right (each proxy appends the address it saw) and the
// first address no trusted proxy has is the client's. What a client wrote into the header
// itself is to the left of that and is never taken, so varying it changes nothing; an entry
// that is not an address stops the walk at the last proxy that was trusted.
func (p *Proxies) ClientOf(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.Context().RemoteIP().String()
	}
	peer = peer.Unmap()
	if !p.trusts(peer) {
		return peer.String()
	}
	client := peer
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !p.trusts(client) {
			break
		}
	}
	return client.String()
}

// clientKey is where the request's client address is kept.
const clientKey = "zhifa.client"

// KeepClient notes the request's client address (ClientOf) for ClientIP.
func (p *Proxies) KeepClient(c *fiber.Ctx) error {
	c.Locals(clientKey, p.ClientOf(c))
	return c.Next()
}

// ClientIP is the address the request comes from, as KeepClient noted it (the peer's where it
// did not run).
func ClientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(clientKey).(string); ok {
		return ip
	}
	return c.Context().RemoteIP().String()
}
