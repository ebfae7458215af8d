package org.dubbopy.interop.harness;

import org.apache.dubbo.samples.api.GreetingsService;

/** {@code sayHi(name)} returns {@code prefix + "hi, " + name}; the prefix tells exported copies apart. */
public final class GreetingsServiceImpl implements GreetingsService {
    private final String prefix;

    public GreetingsServiceImpl(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public String sayHi(String name) {
        return prefix + "hi, " + name;
    }
}
