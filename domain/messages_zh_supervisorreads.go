package domain

// The Chinese of the messages of the supervisors' reads of the agencies' files.
func init() {
	for en, zh := range map[string]string{
		"a supervisor lists one agency's files at a time":                                 "监督员每次查阅一个执法机关的案卷",
		"required: one of the agencies your body covers (GET /v1/agencies)":               "必填：本机关监督范围内的执法机关之一（GET /v1/agencies）",
		"the agency's admins and its supervisors read which files the supervisors opened": "监督查阅记录仅供执法机关管理员和监督员查看",
		"supervisor read": "监督查阅记录",
	} {
		zhMessages[en] = zh
	}
}
