package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"dubbo.apache.org/dubbo-go/v3"
	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
)

type callRequest struct {
	ID        int64    `json:"id"`
	Registry  string   `json:"registry"`
	Interface string   `json:"interface"`
	Method    string   `json:"method"`
	Args      []string `json:"args"`
	Protocol  string   `json:"protocol"`
	Version   string   `json:"version"`
	Group     string   `json:"group"`
	Wait      float64  `json:"wait"`
	// Plain: refer as an application would, without saying IDL-mode=non-IDL on the consumer side
	Plain bool `json:"plain"`
}

type callAnswer struct {
	ID       int64  `json:"id"`
	OK       bool   `json:"ok"`
	Value    string `json:"value,omitempty"`
	Error    string `json:"error,omitempty"`
	Attempts int    `json:"attempts"`
}

// driver keeps one connection per (registry, protocol, interface, version, group), so that repeated
// calls reuse the subscription and its provider list.
type driver struct {
	ins   *dubbo.Instance
	mu    sync.Mutex
	conns map[string]*client.Connection
	outMu sync.Mutex
}

func runConsumer(_ []string) error {
	ins, err := dubbo.NewInstance(dubbo.WithName("dubbopy-interop-go-consumer"), quickShutdown())
	if err != nil {
		return err
	}
	d := &driver{ins: ins, conns: map[string]*client.Connection{}}
	fmt.Fprintln(out, "READY")
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	var calls sync.WaitGroup
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		var req callRequest
		if err := json.Unmarshal([]byte(line), &req); err != nil {
			d.answer(callAnswer{ID: req.ID, Error: "bad request: " + err.Error()})
			continue
		}
		calls.Add(1)
		go func() {
			defer calls.Done()
			d.answer(d.call(req))
		}()
	}
	calls.Wait()
	return in.Err()
}

func (d *driver) answer(a callAnswer) {
	text, _ := json.Marshal(a)
	d.outMu.Lock()
	defer d.outMu.Unlock()
	fmt.Fprintf(out, "%s\n", text)
}

func (d *driver) connection(req callRequest) (*client.Connection, error) {
	key := strings.Join([]string{req.Registry, req.Protocol, req.Interface, req.Version, req.Group, fmt.Sprint(req.Plain)}, "|")
	d.mu.Lock()
	defer d.mu.Unlock()
	if conn, ok := d.conns[key]; ok {
		return conn, nil
	}
	regOpts, err := registryOptions(req.Registry)
	if err != nil {
		return nil, err
	}
	cliOpts := []client.ClientOption{
		client.WithClientRegistry(regOpts...),
		client.WithClientSerialization(constant.Hessian2Serialization),
		client.WithClientNoCheck(),
		client.WithClientRetries(0),
	}
	switch req.Protocol {
	case "", "dubbo":
		cliOpts = append(cliOpts, client.WithClientProtocolDubbo())
	case "tri":
		cliOpts = append(cliOpts, client.WithClientProtocolTriple())
	default:
		return nil, fmt.Errorf("protocol %q: want dubbo or tri", req.Protocol)
	}
	cli, err := d.ins.NewClient(cliOpts...)
	if err != nil {
		return nil, err
	}
	refOpts := []client.ReferenceOption{client.WithRequestTimeout(5 * time.Second)}
	if req.Protocol == "tri" && !req.Plain {
		// dubbo-go v3.3.2 refers Triple with its legacy Dubbo3Invoker (protoc stubs only) unless the
		// merged URL says IDL-mode=non-IDL; Java and dubbopy providers do not register that key
		// (protocol/triple/triple.go Refer), so the consumer says it; dubbopy's wrapper-mode providers do
		// register it, which "plain" requests check
		refOpts = append(refOpts, client.WithIDL(constant.NONIDL))
	}
	if req.Version != "" {
		refOpts = append(refOpts, client.WithVersion(req.Version))
	}
	if req.Group != "" {
		refOpts = append(refOpts, client.WithGroup(req.Group))
	}
	conn, err := cli.Dial(req.Interface, refOpts...)
	if err != nil {
		return nil, err
	}
	d.conns[key] = conn
	return conn, nil
}

func (d *driver) call(req callRequest) callAnswer {
	answer := callAnswer{ID: req.ID}
	if req.Interface == "" {
		req.Interface = greetingsService
	}
	if req.Method == "" {
		req.Method = "sayHi"
	}
	wait := time.Duration(req.Wait * float64(time.Second))
	if wait <= 0 {
		wait = 30 * time.Second
	}
	deadline := time.Now().Add(wait)
	args := make([]any, len(req.Args))
	for i, arg := range req.Args {
		args[i] = arg
	}
	for {
		answer.Attempts++
		conn, err := d.connection(req)
		if err == nil {
			var reply string
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err = conn.CallUnary(ctx, args, &reply, req.Method)
			cancel()
			if err == nil {
				answer.OK, answer.Value, answer.Error = true, reply, ""
				return answer
			}
		}
		answer.Error = err.Error()
		if time.Now().After(deadline) {
			return answer
		}
		time.Sleep(200 * time.Millisecond)
	}
}
