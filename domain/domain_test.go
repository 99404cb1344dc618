package domain

import (
	"testing"
	"time"
)

func TestParseUSCC(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"91350100M000100Y43", "91350100M000100Y43", true},
		{"91110000600037341L", "91110000600037341L", true},
		{" 91110000600037341l ", "91110000600037341L", true},
		{"12110105MB0123456C", "12110105MB0123456C", true},
		{"92440300MA5F11110R", "92440300MA5F11110R", true},
		{"91350100M000100Y44", "", false},  // wrong check character
		{"91350100M000100Y4", "", false},   // 17 characters
		{"91350100M000100Y433", "", false}, // 19 characters
		{"91350100M000I00Y43", "", false},  // I is not in the alphabet
		{"91350100O000100Y43", "", false},  // O is not in the alphabet
		{"91990100M000100Y43", "", false},  // 99 is no province
		{"913501A0M000100Y43", "", false},  // division code with a letter
		{"", "", false},
		{"９１３５０１００Ｍ０００１００Ｙ４３", "", false}, // full-width digits
	}
	for _, tt := range tests {
		got, err := ParseUSCC(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseUSCC(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && ErrorCode(err) != Invalid {
			t.Errorf("ParseUSCC(%q): code %s", tt.in, ErrorCode(err))
		}
	}
}

func TestParseCertificateNumber(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"42010000001", true},
		{"4201000000111", true},
		{"1101050000012345", true},
		{" 42010000001 ", true},
		{"4201000000", false},        // 10 digits
		{"42010000001234567", false}, // 17 digits
		{"99010000001", false},       // no province 99
		{"4201000000A", false},
		{"42-010000001", false},
		{"", false},
	}
	for _, tt := range tests {
		_, err := ParseCertificateNumber(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseCertificateNumber(%q) err=%v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestParseIDNumber(t *testing.T) {
	for in, ok := range map[string]bool{
		"11010519491231002X": true,
		"11010519491231002x": true,
		"440304199003071230": false, // wrong check
		"44030419900307123X": true,
		"11010519490231002X": false, // 31 February... 0231 is no date
		"1101051949123100":   false,
		"99010519491231002X": false,
	} {
		if _, err := ParseIDNumber(in); (err == nil) != ok {
			t.Errorf("ParseIDNumber(%q) err=%v want ok=%v", in, err, ok)
		}
	}
}

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func TestMayAct(t *testing.T) {
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	officer := func() *User {
		return &User{ID: "u1", AgencyID: "a1", Status: UserActive, Roles: []Role{RoleOfficer}, CertificateNo: "42010000001"}
	}
	cert := func() *Certificate {
		return &Certificate{Number: "42010000001", OfficerID: "u1", AgencyID: "a1", IssuedOn: day("2025-01-01"), ExpiresOn: day("2026-06-01"), Status: CertificateValid}
	}
	agency := func() *Agency { return &Agency{ID: "a1", Status: AgencyActive} }
	tests := []struct {
		name   string
		mutate func(*User, *Certificate, *Agency) (*User, *Certificate, *Agency)
		ok     bool
	}{
		{"valid on its last day", func(u *User, c *Certificate, a *Agency) (*User, *Certificate, *Agency) { return u, c, a }, true},
		{"expired yesterday", func(u *User, c *Certificate, a *Agency) (*User, *Certificate, *Agency) {
			c.ExpiresOn = day("2026-05-31")
			return u, c, a
		}, false},
		{"not yet issued", func(u *User, c *Certificate, a *Agency) (*User, *Certificate, *Agency) {
			c.IssuedOn = day("2026-06-02")
			return u, c, a
		}, false},
		{"suspended", func(u *User, c *Certificate, a *Agency) (*User, *Certificate, *Agency) {
			c.Status = CertificateSuspended
			return u, c, a
		}, false},
		{"revoked", func(u *User, c *Certificate, a *Agency) (*User, *Certificate, *Agency) {
			c.Status = CertificateRevoked
			return u, c, a
		}, false},
		{"no certificate", func(u *User, c *Certificate, a *Agency) (*User, *Certificate, *Agency) { return u, nil, a }, false},
		{"someone else's certificate", func(u *User, c *Certificate, a *Agency) (*User, *Certificate, *Agency) {
			c.OfficerID = "u2"
			return u, c, a
		}, false},
		{"certificate of another agency", func(u *User, c *Certificate, a *Agency) (*User, *Certificate, *Agency) {
			c.AgencyID = "a2"
			return u, c, a
		}, false},
		{"disabled user", func(u *User, c *Certificate, a *Agency) (*User, *Certificate, *Agency) {
			u.Status = UserDisabled
			return u, c, a
		}, false},
		{"a reviewer is no officer", func(u *User, c *Certificate, a *Agency) (*User, *Certificate, *Agency) {
			u.Roles = []Role{RoleReviewer}
			return u, c, a
		}, false},
		{"revoked agency", func(u *User, c *Certificate, a *Agency) (*User, *Certificate, *Agency) {
			a.Status = AgencyRevoked
			return u, c, a
		}, false},
	}
	for _, tt := range tests {
		u, c, a := tt.mutate(officer(), cert(), agency())
		err := MayAct(u, c, a, now)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err=%v want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && ErrorCode(err) != Forbidden {
			t.Errorf("%s: code %s", tt.name, ErrorCode(err))
		}
	}
}

func TestPasswordsTakeTheSameWorkForUnknownUsers(t *testing.T) {
	p, err := NewPasswords(8*1024, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := p.Hash("a good password")
	check := func(pw, h string) bool {
		ok, err := p.Check(pw, h)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !check("a good password", h) || check("wrong", h) || check("a good password", "") {
		t.Fatal("Check is wrong")
	}
}

// FuzzParseUSCC: whatever is accepted is 18 characters, normalised, stable and carries the
// right check character; nothing panics.
func FuzzParseUSCC(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91110000600037341L", "", "9135010", "ZZZZZZZZZZZZZZZZZZ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseUSCC(s)
		if err != nil {
			return
		}
		if len(got) != 18 {
			t.Fatalf("accepted %q as %q", s, got)
		}
		again, err := ParseUSCC(got)
		if err != nil || again != got {
			t.Fatalf("not stable: %q -> %q -> %q %v", s, got, again, err)
		}
		// Changing the check character must be refused.
		for _, c := range usccAlphabet {
			if byte(c) != got[17] {
				if _, err := ParseUSCC(got[:17] + string(c)); err == nil {
					t.Fatalf("%q accepted with check %c", got, c)
				}
				break
			}
		}
	})
}

func FuzzParseCertificateNumber(f *testing.F) {
	for _, s := range []string{"42010000001", "", "99999999999", "4201000000111111"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseCertificateNumber(s)
		if err != nil {
			return
		}
		if len(got) < 11 || len(got) > 16 || !validProvince(got[:2]) {
			t.Fatalf("accepted %q as %q", s, got)
		}
		if again, err := ParseCertificateNumber(got); err != nil || again != got {
			t.Fatalf("not stable: %q", s)
		}
	})
}
