package domain

// The Chinese of the live supervision's messages: warnings and supervision orders.
func init() {
	for en, zh := range map[string]string{
		"a supervisor of the issuing body closes an order or sends it back": "由发出督办的监督机构的监督员办结或退回督办事项",
		"an answer or a return says why":                                    "办复或退回须写明理由",
		"an order is about a case, an inspection or a complaint":            "督办事项针对案件、检查或投诉",
		"answer, return or close":                                           "answer（办复）、return（退回）或 close（办结）",
		"cannot %s an order that is %s":                                     "“%s”不适用于“%s”状态的督办事项",
		"case, inspection or complaint":                                     "case（案件）、inspection（检查）或 complaint（投诉）",
		"decision, service, payment, complaint_accept, complaint_answer, rectification, callback or order": "decision、service、payment、complaint_accept、complaint_answer、rectification、callback 或 order",
		"name what the order is about":                                           "请指明督办的对象",
		"nobody answers their own supervision order":                             "任何人不得办复自己发出的督办事项",
		"nobody closes or sends back their own answer":                           "任何人不得办结或退回自己的办复",
		"open, answered or closed":                                               "open（待办复）、answered（已办复）或 closed（已办结）",
		"status is not valid":                                                    "状态无效",
		"supervision order":                                                      "督办事项",
		"supervision orders are issued by the supervisors of a supervisory body": "督办事项由监督机构的监督员发出",
		"the agency's admin answers its supervision orders":                      "督办事项由被督办单位的管理员办复",
		"the case, inspection or complaint":                                      "案件、检查或投诉",
		"the day by which the agency answers":                                    "被督办单位的办复期限（日期）",
		"the order changed since you read it; reload it":                         "督办事项在您读取后已变更，请重新加载",
		"the order has as many steps as it may have; close it or issue another":  "督办事项的办理环节已达上限，请办结或另行督办",
		"the text is too long":                                                   "内容过长",
		"today or later (China time)":                                            "不早于今日（北京时间）",
		"warnings and supervision orders are read by the supervisors over an agency and by its admin and head": "预警和督办事项仅供上级监督机构的监督员及本单位管理员、负责人查看",
		"within a year": "一年以内",
		"yellow or red": "yellow（黄色）或 red（红色）",
		"warning":       "预警",
		"lease":         "租约",
	} {
		zhMessages[en] = zh
	}
}

func init() {
	zhMessages["%q is not a warning kind with its lead in days"] = "%q 不是“预警种类=提前天数”的形式"
}

// The steps of a supervision order, as a person reads them inside a message.
func init() {
	for en, zh := range map[string]string{"answer": "办复", "return": "退回", "issue": "督办"} {
		if _, ok := zhValues[en]; !ok {
			zhValues[en] = zh
		}
	}
}
