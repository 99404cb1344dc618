package main

import (
	"fmt"
	"io"
	"os"

	"github.com/zhifa/zhifa/casefile"
)

// verifyFile checks a downloaded case file offline (`zhifa verify-file FILE.zip`): 0 when it is
// intact, 1 when something in it was changed, 2 when it cannot be read as a case file.
func verifyFile(name string, out io.Writer) int {
	f, err := os.Open(name)
	if err != nil {
		fmt.Fprintln(out, "zhifa verify-file:", err)
		return 2
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		fmt.Fprintln(out, "zhifa verify-file:", err)
		return 2
	}
	rep, err := casefile.Verify(f, st.Size())
	if err != nil {
		fmt.Fprintln(out, "zhifa verify-file:", err)
		return 2
	}
	fmt.Fprintf(out, "case %s (%s): %d files, %d events, chain head %s\n", rep.CaseNumber, rep.CaseID, rep.Files, rep.Events, rep.ChainHead)
	if rep.Intact() {
		fmt.Fprintln(out, "intact: every file matches the manifest, the chain recomputes to its head, every document and evidence matches the chain")
		fmt.Fprintln(out, "compare the chain head with the case's last_hash on the server (GET /v1/cases/{id}) to know the record was not cut short or rewritten as a whole")
		return 0
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(out, "TAMPERED:", p)
	}
	return 1
}
