package domain

func init() {
	for en, zh := range map[string]string{
		"the search is not valid":                   "检索条件无效",
		"1 to 64 characters, no control characters": "1 至 64 个字符，不含控制字符",
		"planned, on_site, completed or cancelled":  "planned（已报备）、on_site（检查中）、completed（已完成）或 cancelled（已取消）",
		"not valid": "无效",
	} {
		zhMessages[en] = zh
	}
}
