package domain

// The Chinese of the messages of accounts people recover and of the to-do lists (issue 17).
func init() {
	for en, zh := range map[string]string{
		"an enterprise has at most %d users: remove one first":                                                        "一家企业最多有 %d 个用户：请先移除一个",
		"an officer's password is reset by the agency's admin, an enterprise user's by the supervisors of its region": "执法人员的密码由本机关管理员重置，企业用户的密码由其所在辖区的监督员重置",
		"differs from the current password":                                                                           "须与当前密码不同",
		"nobody resets their own password: change it with the current one, or ask whoever is over the account":        "不能重置自己的密码：请用当前密码修改，或请账号的管理方重置",
		"the account signed in with a one-time password: change it (PUT /v1/me/password) before anything else":        "账号使用一次性密码登录：请先修改密码（PUT /v1/me/password），再进行其他操作",
		"the enterprise's first user (the account of its registration) adds and removes its colleagues":               "由企业的首个用户（注册时创建的账号）添加和移除同事",
		"the enterprise's first user is not removed":                                                                  "企业的首个用户不能被移除",
		"the enterprise's registration waits for the supervisors of its jurisdiction to activate it":                  "企业注册正在等待所在辖区的监督员审核激活",
		"the enterprise's unified social credit code, a hyphen and a name: %s…":                                       "企业的统一社会信用代码、连字符和名称：%s…",
		"the new password is the current one":                                                                         "新密码与当前密码相同",
		"a whole number from 0 to %d":                                                                                 "0 到 %d 之间的整数",
		"the session was ended: sign in again":                                                                        "会话已结束：请重新登录",
	} {
		zhMessages[en] = zh
	}
}
