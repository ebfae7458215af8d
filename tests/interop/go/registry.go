package main

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"dubbo.apache.org/dubbo-go/v3"
	"dubbo.apache.org/dubbo-go/v3/graceful_shutdown"
	"dubbo.apache.org/dubbo-go/v3/registry"

	// only the parts these programs use, instead of dubbo-go/v3/imports (every registry, config
	// centre, tracer and metrics backend)
	_ "dubbo.apache.org/dubbo-go/v3/cluster/cluster/failfast"
	_ "dubbo.apache.org/dubbo-go/v3/cluster/cluster/failover"
	_ "dubbo.apache.org/dubbo-go/v3/cluster/loadbalance/random"
	_ "dubbo.apache.org/dubbo-go/v3/filter/accesslog"
	_ "dubbo.apache.org/dubbo-go/v3/filter/echo"
	_ "dubbo.apache.org/dubbo-go/v3/filter/exec_limit"
	_ "dubbo.apache.org/dubbo-go/v3/filter/generic"
	_ "dubbo.apache.org/dubbo-go/v3/filter/graceful_shutdown"
	_ "dubbo.apache.org/dubbo-go/v3/filter/token"
	_ "dubbo.apache.org/dubbo-go/v3/filter/tps"
	_ "dubbo.apache.org/dubbo-go/v3/filter/tps/limiter"
	_ "dubbo.apache.org/dubbo-go/v3/filter/tps/strategy"
	_ "dubbo.apache.org/dubbo-go/v3/protocol/dubbo"
	_ "dubbo.apache.org/dubbo-go/v3/protocol/triple"
	_ "dubbo.apache.org/dubbo-go/v3/proxy/proxy_factory"
	_ "dubbo.apache.org/dubbo-go/v3/registry/directory"
	_ "dubbo.apache.org/dubbo-go/v3/registry/etcdv3"
	_ "dubbo.apache.org/dubbo-go/v3/registry/protocol"
	_ "dubbo.apache.org/dubbo-go/v3/registry/zookeeper"
)

// registryOptions turns "zookeeper://host:port" or "etcdv3://host:port" (also "etcd://") into dubbo-go
// registry options for interface-level registration, not used as metadata report or config centre.
// A "group" query parameter becomes the registry group (the root path: /group/...).
func registryOptions(address string) ([]registry.Option, error) {
	u, err := url.Parse(address)
	if err != nil {
		return nil, fmt.Errorf("registry address %q: %w", address, err)
	}
	opts := []registry.Option{
		registry.WithAddress(u.Host),
		registry.WithRegisterInterface(),
		registry.WithoutUseAsMetaReport(),
		registry.WithoutUseAsConfigCenter(),
		registry.WithTimeout(10 * time.Second),
		registry.WithTTL(10 * time.Second),
	}
	switch u.Scheme {
	case "zookeeper":
		opts = append(opts, registry.WithZookeeper())
	case "etcd", "etcdv3":
		opts = append(opts, registry.WithEtcdV3())
	default:
		return nil, fmt.Errorf("registry address %q: want zookeeper:// or etcdv3://", address)
	}
	if group := strings.Trim(u.Query().Get("group"), "/"); group != "" {
		opts = append(opts, registry.WithGroup(group))
	}
	return opts, nil
}

// quickShutdown keeps SIGTERM fast in tests: dubbo-go waits 3 s per shutdown step by default, for
// consumers to notice the provider is gone, which the tests never need.
func quickShutdown() dubbo.InstanceOption {
	return dubbo.WithShutdown(
		graceful_shutdown.WithTimeout(5*time.Second),
		graceful_shutdown.WithStepTimeout(time.Second),
		graceful_shutdown.WithConsumerUpdateWaitTime(100*time.Millisecond),
		graceful_shutdown.WithOfflineRequestWindowTimeout(100*time.Millisecond),
	)
}
