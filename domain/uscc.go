package domain

import "strings"

// usccAlphabet is the character set of GB 32100-2015; I, O, S, V and Z are never used.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// ParseUSCC normalises a unified social credit code (统一社会信用代码) and checks its length,
// alphabet, administrative-division prefix and check character (GB 32100-2015). It returns
// Invalid with the reason.
func ParseUSCC(s string) (string, error) {
	code := strings.ToUpper(strings.TrimSpace(s))
	if len(code) != 18 {
		return "", Errorf(Invalid, "a unified social credit code has 18 characters")
	}
	sum := 0
	for i := 0; i < 18; i++ {
		v := strings.IndexByte(usccAlphabet, code[i])
		if v < 0 {
			return "", Errorf(Invalid, "character %d (%q) is not allowed in a unified social credit code", i+1, code[i])
		}
		if i < 17 {
			sum += v * usccWeights[i]
		}
	}
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", Errorf(Invalid, "characters 3 to 8 of a unified social credit code are the division code, all digits")
		}
	}
	if !validProvince(code[2:4]) {
		return "", Errorf(Invalid, "%s is not a province-level division code", code[2:4])
	}
	check := (31 - sum%31) % 31
	if code[17] != usccAlphabet[check] {
		return "", Errorf(Invalid, "the check character should be %c", usccAlphabet[check])
	}
	return code, nil
}

// validProvince reports whether p is the first two digits of a GB/T 2260 province-level code.
func validProvince(p string) bool {
	switch p {
	case "11", "12", "13", "14", "15",
		"21", "22", "23",
		"31", "32", "33", "34", "35", "36", "37",
		"41", "42", "43", "44", "45", "46",
		"50", "51", "52", "53", "54",
		"61", "62", "63", "64", "65",
		"71", "81", "82":
		return true
	}
	return false
}
