// Command dubbopy-interop-go is the dubbo-go v3.3.2 peer of dubbopy's interop tests
// (tests/go_harness.py starts it; README.md says how it is built).
//
//	dubbopy-interop-go provider -registry zookeeper://127.0.0.1:2181 -port 20000 [-version v] [-group g]
//	dubbopy-interop-go consumer
//
// The provider exports org.apache.dubbo.samples.api.GreetingsService (sayHi(String) -> "hi, " + name,
// from Go) on one protocol (dubbo + hessian2, or triple with the hessian2 wrapper) at 127.0.0.1, registers
// it interface-level in the registry it is given and prints "READY <json>" once the export is registered.
//
// The consumer is a call driver: it prints "READY", then reads one JSON request per stdin line and
// answers each with one JSON line on stdout, matched by "id" (requests run concurrently):
//
//	{"id": 1, "registry": "etcdv3://127.0.0.1:2379", "interface": "...", "method": "sayHi",
//	 "args": ["go"], "protocol": "dubbo", "version": "", "group": "", "wait": 30}
//	-> {"id": 1, "ok": true, "value": "hi, go", "attempts": 3}  or  {"id": 1, "ok": false, "error": "..."}
//
// The call discovers the provider through the registry (no URL) and is retried until it succeeds or
// "wait" seconds have passed, since a registration takes a moment to reach a new subscriber.
package main

import (
	"fmt"
	"os"
	"syscall"
)

// out is the harness protocol (READY and JSON lines): the original stdout. dubbo-go logs to stdout, so
// main points file descriptor 1 at stderr before anything runs.
var out = os.Stdout

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dubbopy-interop-go provider|consumer [flags]")
		os.Exit(2)
	}
	protocolFd, err := syscall.Dup(1)
	if err == nil {
		err = syscall.Dup3(2, 1, 0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dubbopy-interop-go: cannot move logs off stdout:", err)
		os.Exit(1)
	}
	out = os.NewFile(uintptr(protocolFd), "protocol-stdout")
	switch os.Args[1] {
	case "provider":
		err = runProvider(os.Args[2:])
	case "consumer":
		err = runConsumer(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q (want provider or consumer)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dubbopy-interop-go:", err)
		os.Exit(1)
	}
}
