package org.dubbopy.interop.harness;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;

/**
 * The Java Dubbo 3.3 consumer call driver: prints {@code READY} once Dubbo is up, then serves JSON-line
 * commands from stdin (see {@link CallDriver}) until stdin closes or SIGTERM.
 */
public final class InteropConsumer {
    private InteropConsumer() {}

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
        ApplicationConfig app = new ApplicationConfig(System.getProperty("dubbopy.app", "dubbopy-java33-consumer"));
        app.setQosEnable(false);
        app.setEnableFileCache(false);
        DubboBootstrap bootstrap = DubboBootstrap.getInstance().application(app);
        String registry = System.getProperty("dubbopy.registry");
        if (registry != null) {
            // a registry known at start-up is also the config centre (use-as-config-center), as in an
            // application configured with one; registries named per call are not
            bootstrap.registry(new org.apache.dubbo.config.RegistryConfig(registry));
        }
        bootstrap.start();
        protocol.println("READY");
        new CallDriver(protocol).run(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        bootstrap.stop();
        System.exit(0);
    }
}
