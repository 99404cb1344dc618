package domain

// The console's messages in Chinese (see messages_zh.go).
func init() {
	for en, zh := range map[string]string{
		"X-Zhifa-Session takes only the value cookie":                "X-Zhifa-Session 只能取值 cookie",
		"the session cookie works only from this server's own pages": "登录会话只能在本系统的页面中使用",
	} {
		zhMessages[en] = zh
	}
}
