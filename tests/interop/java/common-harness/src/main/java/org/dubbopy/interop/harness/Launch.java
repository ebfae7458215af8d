package org.dubbopy.interop.harness;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.UnsupportedEncodingException;

/** Start-up chores shared by the harness main classes. */
public final class Launch {
    private Launch() {}

    /**
     * Keeps the process's stdout for the harness protocol (READY lines, JSON results) and sends whatever
     * else prints to {@code System.out} (a library's banner, say) to stderr, where the logs go.
     */
    public static PrintStream takeStdout() {
        try {
            PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
            System.setOut(System.err);
            return protocol;
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Test-friendly Dubbo defaults, unless the command line set them: no QoS, a short shutdown wait. */
    public static void defaults() {
        setIfAbsent("dubbo.application.qos-enable", "false");
        setIfAbsent("dubbo.application.qos.enable", "false");
        setIfAbsent("dubbo.service.shutdown.wait", "1000");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** An int system property, or {@code dflt} when it is absent or empty. */
    public static int intProperty(String key, int dflt) {
        String v = System.getProperty(key);
        return v == null || v.trim().isEmpty() ? dflt : Integer.parseInt(v.trim());
    }
}
