package main

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/zhifa/zhifa/casefile"
)

// verifyFileUsage is printed for `zhifa verify-file` called wrongly.
const verifyFileUsage = `usage: zhifa verify-file FILE.zip [JWKS.json]

Checks a case file (GET /v1/cases/{id}/file.zip) or an enterprise's decisions
(GET /v1/enterprise/decisions.zip) offline; it fetches nothing. JWKS.json is the
server's key set, saved once from GET /.well-known/jwks.json.
  0  intact: everything checks and the manifest's signature verifies with JWKS.json
  1  tampered: each problem is named
  2  unreadable: not a case file or decisions, or JWKS.json unreadable
  3  consistent, not authenticated: no JWKS.json given; everything the file can
     prove by itself checks, but what only the signature proves (the printed
     pages, most of case.json and evidence.json) is not proven
`

// verifyFile checks a downloaded case file, or an enterprise's decisions, offline (`zhifa
// verify-file FILE.zip [JWKS.json]`), with the server's JWKS (saved from /.well-known/jwks.json)
// its manifest's signature too: 0 when it is intact (signed), 1 when something in it was changed,
// 2 when it cannot be read, 3 when nothing was found wrong but, without the JWKS, what only the
// signature proves is not proven.
func verifyFile(name, jwks string, out io.Writer) int {
	var keys map[string]ed25519.PublicKey
	if jwks != "" {
		b, err := os.ReadFile(jwks)
		if err == nil {
			keys, err = casefile.KeysOfJWKS(b)
		}
		if err != nil {
			fmt.Fprintln(out, "zhifa verify-file:", jwks+":", err)
			return 2
		}
	}
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
	rep, err := casefile.Verify(f, st.Size(), keys)
	if err != nil {
		fmt.Fprintln(out, "zhifa verify-file:", err)
		return 2
	}
	decisions := rep.Format == casefile.DecisionsFormat
	if decisions {
		fmt.Fprintf(out, "decisions of enterprise %s: %d files\n", rep.USCC, rep.Files)
	} else {
		fmt.Fprintf(out, "case %s (%s): %d files, %d events, chain head %s\n", rep.CaseNumber, rep.CaseID, rep.Files, rep.Events, rep.ChainHead)
	}
	if !rep.Consistent() {
		for _, p := range rep.Problems {
			fmt.Fprintln(out, "TAMPERED:", p)
		}
		return 1
	}
	checked := "every file matches the manifest, the chain recomputes to its head, every document, case.json's id, number, status, event count and last hash, and every evidence's SHA-256 and size match the chain"
	if decisions {
		checked = "every file matches the manifest"
	}
	if rep.Intact() {
		fmt.Fprintln(out, "intact:", checked)
		fmt.Fprintln(out, "signed: the manifest is the server's, by key", rep.SignedBy)
		return 0
	}
	fmt.Fprintln(out, "consistent, not authenticated:", checked)
	fmt.Fprintln(out, "not proven:", strings.Join(rep.Unproven, "; "), "are proven only by the server's signature;",
		"pass the server's JWKS (saved from GET /.well-known/jwks.json) to prove them")
	if !decisions {
		fmt.Fprintln(out, "without it, a forger who rewrote the whole chain changed its head: compare the chain head with the case's last_hash (GET /v1/cases/{id})")
	}
	return 3
}
