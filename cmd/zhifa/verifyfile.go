package main

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"os"

	"github.com/zhifa/zhifa/casefile"
)

// verifyFile checks a downloaded case file offline (`zhifa verify-file FILE.zip [JWKS.json]`),
// with the server's JWKS (saved from /.well-known/jwks.json) its manifest's signature too: 0 when
// it is intact, 1 when something in it was changed, 2 when it cannot be read as a case file.
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
	fmt.Fprintf(out, "case %s (%s): %d files, %d events, chain head %s\n", rep.CaseNumber, rep.CaseID, rep.Files, rep.Events, rep.ChainHead)
	if rep.Intact() {
		fmt.Fprintln(out, "intact: every file matches the manifest, the chain recomputes to its head, every document and evidence matches the chain")
		if rep.SignedBy != "" {
			fmt.Fprintln(out, "signed: the manifest is the server's, by key", rep.SignedBy)
		} else {
			fmt.Fprintln(out, "signature not checked: give the server's JWKS, or compare the chain head with the case's last_hash (GET /v1/cases/{id})")
		}
		return 0
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(out, "TAMPERED:", p)
	}
	return 1
}
