package domain

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A verifiable random draw (双随机): which enterprises a plan inspects, and which two officers
// inspect each. The seed is committed before the draw (its SHA-256 published with the inputs'
// hash) and revealed after, so anyone can recompute the result from the public page and
// check that neither the seed nor the inputs changed after the commitment.
//
// DrawAlgorithm "zhifa-draw-v1", as the README documents it:
//   - The stream: block i (i = 0, 1, 2 …) is HMAC-SHA256(key = seed, message = "zhifa-draw-v1/"
//     + the decimal i); each block gives four unsigned 64-bit numbers, big-endian, in order.
//   - uniform(n): take the next number x; if x >= 2^64 - (2^64 mod n), discard it and take
//     another; else the answer is x mod n.
//   - Enterprises: the candidates in the order given (sorted by USCC), each with its weight (1
//     unweighted; the risk weight otherwise). For each of the plan's count: r = uniform(sum of
//     the remaining weights); walk the remaining candidates adding weights, the first whose
//     running sum exceeds r is drawn and removed.
//   - Officers: for each drawn enterprise in the order drawn, its eligible officers are the
//     plan's officers (sorted by id) less those excluded for it; draw one with uniform(count),
//     remove it, draw the second the same way.

// DrawAlgorithm names the algorithm a draw used.
const DrawAlgorithm = "zhifa-draw-v1"

// DrawCandidate is an enterprise that may be drawn, with its weight.
type DrawCandidate struct {
	USCC   string `json:"uscc"`
	Name   string `json:"name"`
	Weight int    `json:"weight"`
}

// DrawOfficer is an officer who may be drawn, with the enterprises it may not inspect (it
// inspected them within the plan's window).
type DrawOfficer struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Excluded []string `json:"excluded,omitempty"`
}

// DrawInputs is everything a draw depends on, fixed and hashed when the seed is committed.
type DrawInputs struct {
	Algorithm   string          `json:"algorithm"`
	Count       int             `json:"count"`
	Candidates  []DrawCandidate `json:"candidates"`
	Officers    []DrawOfficer   `json:"officers"`
	PerInspect  int             `json:"officers_per_inspection"`
	Description string          `json:"description,omitempty"`
}

// DrawPick is one drawn enterprise and its officers.
type DrawPick struct {
	USCC       string   `json:"uscc"`
	Name       string   `json:"name"`
	OfficerIDs []string `json:"officer_ids"`
}

// Hash is the SHA-256 of the inputs' canonical JSON (as encoding/json writes the struct), in hex.
func (in DrawInputs) Hash() string {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// SeedCommitment is the SHA-256 of the seed's bytes, in hex.
func SeedCommitment(seedHex string) string {
	b, _ := hex.DecodeString(seedHex)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

type drawStream struct {
	seed  []byte
	label string // "" for a draw; an agency's id for a review round's sample of it
	block int
	buf   []uint64
}

// candidates draws in.Count of the candidates by weight, without replacement.
func (s *drawStream) candidates(in DrawInputs) []DrawPick {
	left := slices.Clone(in.Candidates)
	var picks []DrawPick
	for range in.Count {
		var total uint64
		for _, c := range left {
			total += uint64(max(c.Weight, 1))
		}
		r, run := s.uniform(total), uint64(0)
		for i, c := range left {
			run += uint64(max(c.Weight, 1))
			if r < run {
				picks = append(picks, DrawPick{USCC: c.USCC, Name: c.Name})
				left = slices.Delete(left, i, i+1)
				break
			}
		}
	}
	return picks
}

// drawCandidates draws candidates only, with the stream of the seed and a label.
func drawCandidates(in DrawInputs, seedHex, label string) ([]DrawPick, error) {
	seed, err := hex.DecodeString(seedHex)
	if err != nil || len(seed) < 16 {
		return nil, Errorf(Invalid, "the seed is at least 16 bytes of hex")
	}
	return (&drawStream{seed: seed, label: label}).candidates(in), nil
}

func (s *drawStream) next() uint64 {
	if len(s.buf) == 0 {
		mac := hmac.New(sha256.New, s.seed)
		msg := DrawAlgorithm + "/" + strconv.Itoa(s.block)
		if s.label != "" {
			msg = DrawAlgorithm + "/" + s.label + "/" + strconv.Itoa(s.block)
		}
		mac.Write([]byte(msg))
		sum := mac.Sum(nil)
		s.block++
		for i := 0; i < 4; i++ {
			s.buf = append(s.buf, binary.BigEndian.Uint64(sum[i*8:]))
		}
	}
	x := s.buf[0]
	s.buf = s.buf[1:]
	return x
}

// uniform is a number in [0, n) without modulo bias: numbers at or above 2^64 - (2^64 mod n)
// are discarded.
func (s *drawStream) uniform(n uint64) uint64 {
	m := (^uint64(0)%n + 1) % n // 2^64 mod n
	for {
		x := s.next()
		if m == 0 || x <= ^uint64(0)-m {
			return x % n
		}
	}
}

// RunDraw draws from the inputs with the seed (hex). Invalid when the seed is not hex or the
// inputs cannot give the count; Unprocessable when an enterprise has too few eligible officers.
func RunDraw(in DrawInputs, seedHex string) ([]DrawPick, error) {
	seed, err := hex.DecodeString(seedHex)
	if err != nil || len(seed) < 16 {
		return nil, Errorf(Invalid, "the seed is at least 16 bytes of hex")
	}
	if in.Count < 1 || in.Count > len(in.Candidates) {
		return nil, Errorf(Invalid, "the draw takes 1 to %d enterprises", len(in.Candidates))
	}
	s := &drawStream{seed: seed}
	picks := s.candidates(in)
	per := max(in.PerInspect, 2)
	for i := range picks {
		var eligible []string
		for _, o := range in.Officers {
			if !slices.Contains(o.Excluded, picks[i].USCC) {
				eligible = append(eligible, o.ID)
			}
		}
		if len(eligible) < per {
			return nil, Errorf(Unprocessable, "only %d officers may inspect %s; %d are needed", len(eligible), picks[i].USCC, per)
		}
		for range per {
			k := s.uniform(uint64(len(eligible)))
			picks[i].OfficerIDs = append(picks[i].OfficerIDs, eligible[k])
			eligible = slices.Delete(eligible, int(k), int(k)+1)
		}
	}
	return picks, nil
}

// RiskLevel is an enterprise's risk in the directory; a weighted draw favours the riskier.
type RiskLevel string

const (
	RiskLow    RiskLevel = "low"
	RiskMedium RiskLevel = "medium"
	RiskHigh   RiskLevel = "high"
)

// RiskWeights are the weights of a weighted draw: high risk is drawn four times as often as low.
var RiskWeights = map[RiskLevel]int{RiskLow: 1, RiskMedium: 2, RiskHigh: 4}

// DirectoryEntry is an enterprise in a jurisdiction's directory (检查对象名录库), the pool a
// random inspection plan draws from.
type DirectoryEntry struct {
	USCC       string
	Name       string
	Industry   string
	Risk       RiskLevel
	RegionID   string
	RegionPath []string
	UpdatedBy  string
	UpdatedAt  time.Time
}

// Validate checks an entry and normalises its USCC; Invalid with the fields.
func (e *DirectoryEntry) Validate() error {
	f := FieldErrors{}
	if code, err := ParseUSCC(e.USCC); err != nil {
		f.Add("uscc", err.(*Error).Message)
	} else {
		e.USCC = code
	}
	e.Name, e.Industry = strings.TrimSpace(e.Name), strings.TrimSpace(e.Industry)
	if n := utf8.RuneCountInString(e.Name); n < 2 || n > 128 {
		f.Add("name", "2 to 128 characters")
	}
	if n := utf8.RuneCountInString(e.Industry); n < 1 || n > 32 {
		f.Add("industry", "1 to 32 characters")
	}
	if _, ok := RiskWeights[e.Risk]; !ok {
		f.Add("risk", "low, medium or high")
	}
	return f.Err()
}

// DrawStatus: committed (the seed's hash is public), then drawn (the seed revealed).
type DrawStatus string

const (
	DrawCommitted DrawStatus = "committed"
	DrawDrawn     DrawStatus = "drawn"
)

// Draw is a random inspection plan of an agency (双随机、一公开).
type Draw struct {
	ID        string
	AgencyID  string
	MatterID  string
	PlannedOn time.Time
	// InputsJSON is the inputs' canonical JSON, published byte for byte; InputsHash its
	// SHA-256 and Commitment the seed's, both fixed when the draw is made.
	InputsJSON    string
	InputsHash    string
	Commitment    string
	Seed          string // secret until drawn
	Status        DrawStatus
	Result        []DrawPick
	InspectionIDs []string
	CreatedBy     string
	CreatedAt     time.Time
	DrawnAt       time.Time
	Version       int64
}

// Inputs decodes the inputs.
func (d *Draw) Inputs() (DrawInputs, error) {
	var in DrawInputs
	if err := json.Unmarshal([]byte(d.InputsJSON), &in); err != nil {
		return in, Errorf(Internal, "the draw's inputs do not decode")
	}
	return in, nil
}

// NewDraw fixes the inputs and commits to a fresh seed.
func NewDraw(in DrawInputs, seedHex string) (*Draw, error) {
	in.Algorithm = DrawAlgorithm
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return &Draw{InputsJSON: string(b), InputsHash: hex.EncodeToString(sum[:]), Commitment: SeedCommitment(seedHex), Seed: seedHex, Status: DrawCommitted}, nil
}

// Run draws once: the result from the inputs and the seed, which the seed's commitment must
// still match. Conflict when drawn already.
func (d *Draw) Run(now time.Time) error {
	if d.Status != DrawCommitted {
		return Errorf(Conflict, "the draw was made already")
	}
	if SeedCommitment(d.Seed) != d.Commitment {
		return Errorf(Internal, "the seed does not match its commitment")
	}
	in, err := d.Inputs()
	if err != nil {
		return err
	}
	picks, err := RunDraw(in, d.Seed)
	if err != nil {
		return err
	}
	d.Result, d.Status, d.DrawnAt = picks, DrawDrawn, Stamp(now)
	return nil
}

// Draws stores draws and the enterprise directory.
type Draws interface {
	// PutDirectoryEntry adds or replaces the entry of a USCC.
	PutDirectoryEntry(ctx context.Context, e *DirectoryEntry) error
	// DirectoryUnder lists the entries of a region and below (of one industry, if named), by
	// USCC.
	DirectoryUnder(ctx context.Context, regionID, industry string, p Page) ([]*DirectoryEntry, string, error)
	CreateDraw(ctx context.Context, d *Draw) error
	DrawByID(ctx context.Context, id string) (*Draw, error)
	// UpdateDraw writes d when its stored version is d.Version; Conflict otherwise.
	UpdateDraw(ctx context.Context, d *Draw) error
	// ListDraws lists an agency's draws ("" for all), in the order made.
	ListDraws(ctx context.Context, agencyID string, p Page) ([]*Draw, string, error)
}
