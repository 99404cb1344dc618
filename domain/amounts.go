package domain

import "strings"

var (
	capitalDigits = []string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}
	capitalUnits  = []string{"", "拾", "佰", "仟"}
	capitalGroups = []string{"", "万", "亿", "万亿"}
)

// YuanInCapitals writes a whole amount of yuan in the capital numerals of financial documents
// (大写金额), as a penalty decision states a fine: 30000 -> 人民币叁万元整.
func YuanInCapitals(yuan int64) string {
	if yuan == 0 {
		return "人民币零元整"
	}
	var groups []int64
	for n := yuan; n > 0; n /= 10000 {
		groups = append(groups, n%10000)
	}
	var b strings.Builder
	zero := false // a zero is owed before the next digit written
	for g := len(groups) - 1; g >= 0; g-- {
		v := groups[g]
		if v == 0 {
			zero = b.Len() > 0
			continue
		}
		if b.Len() > 0 && v < 1000 {
			zero = true
		}
		for i := 3; i >= 0; i-- {
			d := v / pow10(i) % 10
			if d == 0 {
				zero = zero || b.Len() > 0 && v%pow10(i) != 0 && i > 0
				continue
			}
			if zero {
				b.WriteString("零")
				zero = false
			}
			b.WriteString(capitalDigits[d] + capitalUnits[i])
		}
		b.WriteString(capitalGroups[g])
	}
	return "人民币" + b.String() + "元整"
}

func pow10(i int) int64 {
	p := int64(1)
	for range i {
		p *= 10
	}
	return p
}
