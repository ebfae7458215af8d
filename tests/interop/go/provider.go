package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"dubbo.apache.org/dubbo-go/v3"
	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"
)

const greetingsService = "org.apache.dubbo.samples.api.GreetingsService"

// Greetings is GreetingsService as dubbo-go serves a non-IDL service: dubbo-go exports both "SayHi"
// and "sayHi", the name Java (and dubbopy) call.
type Greetings struct{ prefix string }

// SayHi answers "hi, <name>", with the prefix that tells a Go reply from anyone else's.
func (g *Greetings) SayHi(_ context.Context, name string) (string, error) {
	return g.prefix + "hi, " + name, nil
}

func runProvider(args []string) error {
	flags := flag.NewFlagSet("provider", flag.ContinueOnError)
	reg := flags.String("registry", "", "zookeeper://host:port or etcdv3://host:port (?group=root)")
	proto := flags.String("protocol", "dubbo", "dubbo (hessian2) or tri (triple, hessian2 wrapper)")
	port := flags.Int("port", 20000, "port on 127.0.0.1")
	iface := flags.String("interface", greetingsService, "interface name to export")
	version := flags.String("version", "", "service version")
	group := flags.String("group", "", "service group")
	prefix := flags.String("prefix", "[go] ", "text before every reply")
	app := flags.String("app", "dubbopy-interop-go-provider", "application name")
	if err := flags.Parse(args); err != nil {
		return err
	}
	regOpts, err := registryOptions(*reg)
	if err != nil {
		return err
	}
	serverProtocol := protocol.WithDubbo()
	serverOpts := []server.ServerOption{}
	switch *proto {
	case "dubbo":
	case "tri":
		serverProtocol = protocol.WithTriple()
		serverOpts = append(serverOpts, server.WithServerSerialization(constant.Hessian2Serialization))
	default:
		return fmt.Errorf("protocol %q: want dubbo or tri", *proto)
	}
	ins, err := dubbo.NewInstance(
		dubbo.WithName(*app),
		quickShutdown(),
		// the MetadataService (app-level discovery, unused here) would bind the same port on every
		// address, before the service binds it on 127.0.0.1: give it a random port of its own
		dubbo.WithMetadataServicePort(0),
		dubbo.WithProtocol(serverProtocol, protocol.WithIp("127.0.0.1"), protocol.WithPort(*port)),
		dubbo.WithRegistry(regOpts...),
	)
	if err != nil {
		return err
	}
	srv, err := ins.NewServer(serverOpts...)
	if err != nil {
		return err
	}
	svcOpts := []server.ServiceOption{server.WithInterface(*iface)}
	if *version != "" {
		svcOpts = append(svcOpts, server.WithVersion(*version))
	}
	if *group != "" {
		svcOpts = append(svcOpts, server.WithGroup(*group))
	}
	handler := &Greetings{prefix: *prefix}
	if *proto == "tri" {
		// non-IDL: Triple routes /<interface>/<method> to reflected methods, hessian2 in the wrapper
		err = srv.RegisterService(handler, svcOpts...)
	} else {
		err = srv.Register(handler, &common.ServiceInfo{}, svcOpts...)
	}
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	// Serve exports (and registers) and then blocks until shutdown: READY once the export is done
	for {
		select {
		case err := <-served:
			return fmt.Errorf("serve ended before the export was done: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if opts := srv.GetServiceOptionsByInterfaceName(*iface); opts != nil && opts.IsExport() {
			break
		}
	}
	ready, _ := json.Marshal(map[string]any{"protocol": *proto, "port": *port, "interface": *iface})
	fmt.Fprintf(out, "READY %s\n", ready)
	return <-served
}
