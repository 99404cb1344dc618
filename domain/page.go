package domain

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
