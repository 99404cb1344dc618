package domain

import (
	"context"
	"crypto/rand"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A supervision card (监督卡) is handed to the party of an inspection or a case; its code, on
// paper and in a QR code, opens the citizen page /s/{code} where the party rates the officers.
//
// A code is 13 random characters of Crockford's base32 (65 bits, so guessing one among even a
// million live cards takes 2^45 tries) and a check character (see cardCheck), shown in groups
// of four: 7K3M-Q9TX-2BHD-RN. It is never sequential and says nothing about the card.

const cardAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// cardRandom is how many random characters a code has; 13 × 5 bits = 65 bits.
const cardRandom = 13

// NewCardCode returns a fresh code, without separators.
func NewCardCode() string {
	b := make([]byte, cardRandom)
	code := make([]byte, cardRandom, cardRandom+1)
	for {
		_, _ = rand.Read(b)
		for i, v := range b {
			code[i] = cardAlphabet[v&31]
		}
		if c, ok := cardCheck(string(code)); ok {
			return string(append(code, c))
		}
		// About one draw in seven has a check value beyond the alphabet: draw again.
	}
}

// cardCheck is the check character of the 13 characters s: with weights 1 to 14 (the check
// itself last), the weighted sum of the values is 0 modulo the prime 37, which catches every
// single wrong character and every swap of two neighbours. A check value of 32 to 36 has no
// character: ok is false and the code is not used.
func cardCheck(s string) (byte, bool) {
	sum := 0
	for i := range len(s) {
		sum += (i + 1) * strings.IndexByte(cardAlphabet, s[i])
	}
	c := (37 - sum%37) % 37 * 8 % 37 // 8 is the inverse of 14 modulo 37
	if c >= len(cardAlphabet) {
		return 0, false
	}
	return cardAlphabet[c], true
}

// ParseCardCode normalises what a person typed or a QR code carried: case, spaces and dashes
// do not matter, and I, L and O read as 1, 1 and 0. NotFound for anything that is not a code
// (a page must not tell a mistyped code from a cancelled one).
func ParseCardCode(s string) (string, error) {
	if len(s) > 40 {
		return "", Errorf(NotFound, "no such card")
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case '-', ' ':
			continue
		case 'I', 'L':
			r = '1'
		case 'O':
			r = '0'
		}
		if r > unicode.MaxASCII || !strings.ContainsRune(cardAlphabet, r) {
			return "", Errorf(NotFound, "no such card")
		}
		b.WriteRune(r)
	}
	code := b.String()
	if len(code) != cardRandom+1 {
		return "", Errorf(NotFound, "no such card")
	}
	if c, ok := cardCheck(code[:cardRandom]); !ok || c != code[cardRandom] {
		return "", Errorf(NotFound, "no such card")
	}
	return code, nil
}

// FormatCardCode groups a code by four for print.
func FormatCardCode(code string) string {
	var parts []string
	for i := 0; i < len(code); i += 4 {
		parts = append(parts, code[i:min(i+4, len(code))])
	}
	return strings.Join(parts, "-")
}

// Card is a supervision card for one inspection or one case.
type Card struct {
	Code         string
	AgencyID     string
	InspectionID string
	CaseID       string
	// Matter is what the card is about, as the party knows it: the matter's name and, for a
	// case, its number. It never holds the party's data.
	Matter     string
	OfficerIDs []string
	IssuedBy   string
	IssuedAt   time.Time
	ExpiresAt  time.Time
	// MaxRatings bounds the ratings a card takes; Ratings counts those given.
	MaxRatings int
	Ratings    int
}

// CardState is what a card's page can do now.
type CardState string

const (
	CardOpen    CardState = "open"
	CardExpired CardState = "expired"
	CardUsedUp  CardState = "used_up"
)

// StateAt says whether the card takes a rating at now.
func (c *Card) StateAt(now time.Time) CardState {
	switch {
	case !now.Before(c.ExpiresAt):
		return CardExpired
	case c.Ratings >= c.MaxRatings:
		return CardUsedUp
	}
	return CardOpen
}

// CardRatingID is the id of a card's n-th rating (1 to MaxRatings): storing the rating takes
// the slot, so a card never holds more ratings than it takes, and a slot is never taken
// without its rating.
func CardRatingID(code string, n int) string {
	return code + "-" + strconv.Itoa(n)
}

// CardRatingSlot is the slot n of a rating id made by CardRatingID, or 0.
func CardRatingSlot(code, id string) int {
	rest, ok := strings.CutPrefix(id, code+"-")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// FeedbackTags are the aspects a party may name; TagIntegrity (廉洁) is serious on its own.
var FeedbackTags = []string{"态度", "规范", "廉洁", "效率", "亮证", "告知"}

// TagIntegrity marks a rating that alerts supervisors whatever its stars.
const TagIntegrity = "廉洁"

// Feedback is one rating given on a card. Phone is the party's, given optionally for a call
// back: only supervisors ever see it, never the agency rated.
type Feedback struct {
	ID string
	// CardCode is the card rated on; empty for an enterprise's rating of its inspection
	// (事后评价), which names the EnterpriseID instead.
	CardCode     string
	EnterpriseID string
	AgencyID     string
	InspectionID string
	CaseID       string
	OfficerIDs   []string
	Rating       int
	Tags         []string
	Comment      string
	Phone        string
	CreatedAt    time.Time
	// Key and Request are the Idempotency-Key (or the card page's single-use form token) the
	// rating was given with and the hash of its request, stored in the write that stores the
	// rating, so that a retry finds it.
	Key, Request string
	// Rater is a keyed hash of the address a card's rating came from (one rating per address
	// and card); never shown.
	Rater string
}

var mobilePhone = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// Validate checks what the party entered; Invalid with the fields, in Chinese (the page shows
// them to the party).
func (f *Feedback) Validate() error {
	errs := FieldErrors{}
	if f.Rating < 1 || f.Rating > 5 {
		errs.Add("rating", "请选择 1 到 5 星")
	}
	seen := map[string]bool{}
	for _, t := range f.Tags {
		if !slices.Contains(FeedbackTags, t) || seen[t] {
			errs.Add("tags", "请从所列标签中选择")
			break
		}
		seen[t] = true
	}
	f.Comment = strings.TrimSpace(f.Comment)
	if !utf8.ValidString(f.Comment) || utf8.RuneCountInString(f.Comment) > 500 || strings.ContainsFunc(f.Comment, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	}) {
		errs.Add("comment", "意见不超过 500 字")
	}
	f.Phone = strings.ReplaceAll(strings.TrimSpace(f.Phone), " ", "")
	if f.Phone != "" && !mobilePhone.MatchString(f.Phone) {
		errs.Add("phone", "请填写 11 位手机号码，或留空")
	}
	return errs.Err()
}

// Serious says whether the rating alerts supervisors: two stars or fewer, or an integrity tag.
func (f *Feedback) Serious() bool {
	return f.Rating <= 2 || slices.Contains(f.Tags, TagIntegrity)
}

// CardStore keeps cards and their ratings.
type CardStore interface {
	// CreateCard stores a new card; Conflict when its code is taken.
	CreateCard(ctx context.Context, c *Card) error
	CardByCode(ctx context.Context, code string) (*Card, error)
	// OpenCardOfCase returns the case's card issued last; NotFound when it has none.
	OpenCardOfCase(ctx context.Context, caseID string) (*Card, error)
	// AddFeedback stores a rating; Conflict when its id is taken (a card's ratings are its
	// numbered slots, CardRatingID, so a taken id is a slot given already).
	AddFeedback(ctx context.Context, f *Feedback) error
	// CountRatings raises the card's count of ratings to n (never lowers it).
	CountRatings(ctx context.Context, code string, n int) error
	// CardFeedbackBy returns the card's rating given with key, or with the phone or from the
	// rater (an empty value matches nothing); NotFound when there is none.
	CardFeedbackBy(ctx context.Context, code, key, phone, rater string) (*Feedback, error)
	// LiveCards counts, up to atMost, the cards of the inspection or case (one of them is
	// empty) that still take ratings at now.
	LiveCards(ctx context.Context, inspectionID, caseID string, now time.Time, atMost int) (int, error)
	FeedbackByID(ctx context.Context, id string) (*Feedback, error)
	// ListFeedback lists ratings, newest first.
	ListFeedback(ctx context.Context, f FeedbackFilter, p Page) ([]*Feedback, string, error)
	FeedbackOfCard(ctx context.Context, code string) ([]*Feedback, error)
	// PartiesRating counts, up to atMost, the distinct parties (an enterprise, or the party
	// of a card's case or inspection) whose ratings name the officer.
	PartiesRating(ctx context.Context, officerID string, atMost int) (int, error)
}

// FeedbackFilter narrows ListFeedback: ratings of any of AgencyIDs, at most MaxRating stars
// (0: any), with Tag, given in [From, To).
type FeedbackFilter struct {
	AgencyIDs []string
	MaxRating int
	Tag       string
	From, To  time.Time
}
