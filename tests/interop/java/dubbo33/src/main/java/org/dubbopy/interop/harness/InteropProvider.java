package org.dubbopy.interop.harness;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.samples.api.GreetingsService;
import org.dubbopy.interop.PbService;
import org.dubbopy.interop.TypesService;

/**
 * The Java Dubbo 3.3 provider of the interop tests. System properties:
 * {@code dubbopy.dubbo.port} (dubbo protocol, 0 = not exported), {@code dubbopy.tri.port} (Triple, 0 = not
 * exported), {@code dubbopy.registry} (default {@code N/A}: direct connections only), {@code dubbopy.app}.
 * Exports GreetingsService (default, and version 1.0.0 group "interop"), TypesService on every protocol and
 * PbService on Triple; prints {@code READY dubbo=<port> tri=<port>} on stdout; stops on SIGTERM.
 */
public final class InteropProvider {
    private InteropProvider() {}

    /** Runs until SIGTERM (or, for the consumer, the end of stdin); a start-up failure exits with status 1. */
    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static void run() throws Exception {
        PrintStream protocol = Launch.takeStdout();
        Launch.defaults();
        int dubboPort = Launch.intProperty("dubbopy.dubbo.port", 0);
        int triPort = Launch.intProperty("dubbopy.tri.port", 0);
        if (dubboPort == 0 && triPort == 0) {
            throw new IllegalArgumentException("set -Ddubbopy.dubbo.port and/or -Ddubbopy.tri.port");
        }
        ApplicationConfig app = new ApplicationConfig(System.getProperty("dubbopy.app", "dubbopy-java33-provider"));
        app.setQosEnable(false);
        app.setEnableFileCache(false);

        List<ProtocolConfig> protocols = new ArrayList<ProtocolConfig>();
        ProtocolConfig tri = null;
        if (dubboPort != 0) {
            ProtocolConfig dubbo = new ProtocolConfig("dubbo", dubboPort);
            dubbo.setHost("127.0.0.1");
            protocols.add(dubbo);
        }
        if (triPort != 0) {
            tri = new ProtocolConfig("tri", triPort);
            tri.setHost("127.0.0.1");
            protocols.add(tri);
        }

        DubboBootstrap bootstrap = DubboBootstrap.getInstance()
                .application(app)
                .registry(new RegistryConfig(System.getProperty("dubbopy.registry", "N/A")))
                .protocols(protocols);

        ServiceConfig<GreetingsService> greetings = new ServiceConfig<GreetingsService>();
        greetings.setId("greetings"); // 2.7 keeps only one ServiceConfig per id (default: the interface)
        greetings.setInterface(GreetingsService.class);
        greetings.setRef(new GreetingsServiceImpl(""));
        bootstrap.service(greetings);

        ServiceConfig<GreetingsService> versioned = new ServiceConfig<GreetingsService>();
        versioned.setId("greetings-interop-1.0.0");
        versioned.setInterface(GreetingsService.class);
        versioned.setRef(new GreetingsServiceImpl("[interop/1.0.0] "));
        versioned.setVersion("1.0.0");
        versioned.setGroup("interop");
        bootstrap.service(versioned);

        ServiceConfig<TypesService> types = new ServiceConfig<TypesService>();
        types.setId("types");
        types.setInterface(TypesService.class);
        types.setRef(new TypesServiceImpl());
        bootstrap.service(types);

        if (tri != null) {
            ServiceConfig<PbService> pb = new ServiceConfig<PbService>();
            pb.setId("pb");
        pb.setInterface(PbService.class);
            pb.setRef(new PbServiceImpl());
            pb.setProtocol(tri);
            bootstrap.service(pb);
        }

        bootstrap.start();
        protocol.println("READY dubbo=" + dubboPort + " tri=" + triPort);
        bootstrap.await();
    }
}
