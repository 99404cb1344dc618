// Command zhifa-docserver runs the document server the tests of several instances use
// (store/docserver): PostgreSQL from Debian's packages with FerretDB over it, behind the
// write gate, and prints its MONGODB_URI. It is for trying several Zhifa instances, and for
// zhifa-bench's figures on a shared engine, on a machine without MongoDB; production runs a
// MongoDB replica set.
//
//	go run ./cmd/zhifa-docserver            # prints MONGODB_URI=mongodb://127.0.0.1:…/
//	go run ./cmd/zhifa-docserver -gate=false # FerretDB as it is: updates not atomic between clients
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/zhifa/zhifa/store/docserver"
)

func main() {
	gate := flag.Bool("gate", true, "let one write command through at a time (atomic single-document writes, as on MongoDB)")
	flag.Parse()
	s, err := docserver.Start(context.Background(), docserver.Options{Gated: *gate, Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "zhifa-docserver:", err)
		os.Exit(1)
	}
	fmt.Printf("MONGODB_URI=%s\n", s.URI)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	s.Close()
}
