package domain

// TranslateValue is the Chinese of a code a person reads in an export (a status, a role, a
// kind), or the code when the catalog lacks it.
func TranslateValue(s string) string { return translateValue(s) }

func init() {
	for en, zh := range map[string]string{} {
		zhMessages[en] = zh
	}
}
