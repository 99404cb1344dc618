package domain

// The Chinese of the messages of the sysadmin's backups from the console and of the system's summary (issue 18).
func init() {
	for en, zh := range map[string]string{
		"only a sysadmin manages backups":                                                    "只有系统管理员可以管理备份",
		"only a sysadmin reads the system's metrics":                                         "只有系统管理员可以查看系统运行指标",
		"backups from the console need ZHIFA_BACKUP_DIR: run zhifa backup DIR on the server": "控制台备份需要配置 ZHIFA_BACKUP_DIR：请在服务器上执行 zhifa backup 目录",
		"a backup is already running: wait until it has finished":                            "已有备份正在进行：请等待其完成",
	} {
		zhMessages[en] = zh
	}
}
