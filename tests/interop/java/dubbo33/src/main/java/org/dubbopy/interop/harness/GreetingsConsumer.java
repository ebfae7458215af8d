package org.dubbopy.interop.harness;

import java.io.PrintStream;

import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.samples.api.GreetingsService;

/**
 * The Java consumer of examples/java-interop: for each URL on the command line ({@code dubbo://host:port},
 * {@code tri://host:port}) it makes a direct reference to {@link GreetingsService}, calls
 * {@code sayHi("Java")} and prints one line, {@code <url> sayHi -> <reply>} or {@code <url> FAILED: <error>}.
 * Exits 0 only if every call returned.
 */
public final class GreetingsConsumer {
    private GreetingsConsumer() {}

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: GreetingsConsumer dubbo://HOST:PORT [tri://HOST:PORT ...]");
            System.exit(2);
        }
        PrintStream out = Launch.takeStdout(); // Dubbo's own output goes to stderr with the logs
        Launch.defaults();
        ApplicationConfig app = new ApplicationConfig("java-interop-java-consumer");
        app.setQosEnable(false);
        app.setEnableFileCache(false);
        DubboBootstrap bootstrap = DubboBootstrap.getInstance().application(app);
        bootstrap.start();

        int failed = 0;
        for (String url : args) {
            ReferenceConfig<GreetingsService> reference = new ReferenceConfig<GreetingsService>();
            reference.setInterface(GreetingsService.class);
            reference.setUrl(url); // a direct connection: no registry
            reference.setTimeout(5000);
            reference.setRetries(0);
            try {
                GreetingsService greetings = reference.get();
                out.println(String.format("%-28s sayHi -> %s", url, greetings.sayHi("Java")));
            } catch (RuntimeException e) {
                out.println(String.format("%-28s FAILED: %s", url, e));
                failed++;
            }
        }
        bootstrap.stop();
        System.exit(failed == 0 ? 0 : 1);
    }
}
