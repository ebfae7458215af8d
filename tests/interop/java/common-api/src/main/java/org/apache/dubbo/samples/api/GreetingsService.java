package org.apache.dubbo.samples.api;

/** The greeting service of the Dubbo samples, under the same interface name, for interop examples. */
public interface GreetingsService {
    /** Returns {@code "hi, " + name}. */
    String sayHi(String name);
}
