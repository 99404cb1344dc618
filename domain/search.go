package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search narrows the lists of cases, inspections, enterprises and officers by what a person
// types into a console: numbers match exactly, names by any fragment.

// MaxSearchText bounds a name fragment or a number a list is searched by.
const MaxSearchText = 64

// SearchText checks the text of search parameter field: trimmed, 1 to MaxSearchText
// characters, no control characters. Unprocessable otherwise.
func SearchText(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	ok := utf8.ValidString(s) && s != "" && utf8.RuneCountInString(s) <= MaxSearchText
	for _, r := range s {
		ok = ok && !unicode.IsControl(r)
	}
	if !ok {
		return "", &Error{Code: Unprocessable, Message: "the search is not valid",
			Fields: map[string]string{field: "1 to 64 characters, no control characters"}}
	}
	return s, nil
}

// SearchNumber is SearchText for a code that must parse (a USCC, an identity number): the
// parsed code, or Unprocessable naming the field.
func SearchNumber(field, s string, parse func(string) (string, error)) (string, error) {
	s, err := SearchText(field, s)
	if err != nil {
		return "", err
	}
	code, err := parse(s)
	if err != nil {
		msg := "not valid"
		if e, ok := err.(*Error); ok {
			msg = e.Message
		}
		return "", &Error{Code: Unprocessable, Message: "the search is not valid", Fields: map[string]string{field: msg}}
	}
	return code, nil
}

// IDNumberHash is what a party's identity number is matched on: the store indexes this digest,
// never the number itself, so no index or index snapshot holds identity numbers in the clear.
// A search by number is an exact match inside the caller's scope; the digest does not widen it.
func IDNumberHash(id string) string {
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("zhifa party id_number\x00" + strings.ToUpper(id)))
	return hex.EncodeToString(sum[:])
}

// FoldName is a name as searches compare it: trimmed, in lower case.
func FoldName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// maxGramRunes bounds the characters of a name that grams are made of (party names have at
// most 200).
const maxGramRunes = 200

// NameGrams are the single characters and the pairs of adjacent characters of a folded name,
// each once: an index of them finds a name by any fragment (QueryGrams), Chinese or not.
func NameGrams(name string) []string {
	rs := []rune(FoldName(name))
	rs = rs[:min(len(rs), maxGramRunes)]
	seen := make(map[string]bool, 2*len(rs))
	out := make([]string, 0, 2*len(rs))
	add := func(g string) {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	for i, r := range rs {
		if unicode.IsSpace(r) {
			continue
		}
		add(string(r))
		if i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			add(string(rs[i : i+2]))
		}
	}
	return out
}

// QueryGrams are the grams a name containing fragment q has: its pairs of adjacent characters,
// or its one character. Each whitespace-separated part contributes its own.
func QueryGrams(q string) []string {
	var out []string
	for _, part := range strings.Fields(FoldName(q)) {
		rs := []rune(part)
		if len(rs) == 1 {
			out = append(out, part)
			continue
		}
		for i := 0; i+1 < len(rs); i++ {
			out = append(out, string(rs[i:i+2]))
		}
	}
	return out
}

// NameMatches says whether name contains every whitespace-separated part of fragment q, without
// regard to case.
func NameMatches(name, q string) bool {
	name = FoldName(name)
	for _, part := range strings.Fields(FoldName(q)) {
		if !strings.Contains(name, part) {
			return false
		}
	}
	return true
}
