package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
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
	block int
	buf   []uint64
}

func (s *drawStream) next() uint64 {
	if len(s.buf) == 0 {
		mac := hmac.New(sha256.New, s.seed)
		mac.Write([]byte(DrawAlgorithm + "/" + strconv.Itoa(s.block)))
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
