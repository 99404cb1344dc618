package domain

// Messages added while issue 17's parts were put together, in Chinese.
func init() {
	for en, zh := range map[string]string{
		"this sign-in has been ended; sign in again":                      "本次登录已结束，请重新登录",
		"unknown field; field names are case-sensitive: did you mean %s?": "未知字段；字段名区分大小写，是否应为 %s？",
		"the bucket is missing from the object store":                     "对象存储中缺少存储桶",
	} {
		zhMessages[en] = zh
	}
}

// The sources of a problem (突出问题清单), as exports say them.
func init() {
	for en, zh := range map[string]string{"self_check": "自查", "review_finding": "案卷评查发现"} {
		if _, ok := zhValues[en]; !ok {
			zhValues[en] = zh
		}
	}
}
