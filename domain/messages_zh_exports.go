package domain

// TranslateValue is the Chinese of a code a person reads in an export (a status, a role, a
// kind), or the code when the catalog lacks it.
func TranslateValue(s string) string { return translateValue(s) }

func init() {
	for en, zh := range map[string]string{
		"format is not valid":                      "格式无效",
		"csv or xlsx":                              "csv 或 xlsx",
		"kind is not valid":                        "文书种类无效",
		"penalty_decision or credit_repair_notice": "penalty_decision（行政处罚决定书）或 credit_repair_notice（信用修复告知书）",
		"decision":                                 "决定书",
	} {
		zhMessages[en] = zh
	}
}
