package domain

// Messages added while issue 17's parts were put together, in Chinese.
func init() {
	for en, zh := range map[string]string{
		"this sign-in has been ended; sign in again": "本次登录已结束，请重新登录",
	} {
		zhMessages[en] = zh
	}
}
