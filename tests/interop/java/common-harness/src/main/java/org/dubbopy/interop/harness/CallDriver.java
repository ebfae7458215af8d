package org.dubbopy.interop.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.rpc.RpcException;
import org.apache.dubbo.rpc.service.GenericService;

/**
 * The consumer "call driver": reads one JSON command per line, makes the Dubbo call it describes with a real
 * Java consumer, and writes one JSON result line. Commands run concurrently; each result carries the
 * command's {@code id}. The protocol is described in tests/interop/java/README.md.
 */
public final class CallDriver {
    /** Interfaces known by their simple name in {@code "call"}. */
    private static final String[] KNOWN = {
        "org.apache.dubbo.samples.api.GreetingsService",
        "org.dubbopy.interop.TypesService",
        "org.dubbopy.interop.PbService",
    };

    private final PrintStream out;
    private final Map<String, ReferenceConfig<?>> refs = new ConcurrentHashMap<String, ReferenceConfig<?>>();
    private final Map<String, Object> proxies = new ConcurrentHashMap<String, Object>();
    private final ExecutorService pool = Executors.newCachedThreadPool(new ThreadFactory() {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "call-driver-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });

    public CallDriver(PrintStream out) {
        this.out = out;
    }

    /** Serves commands from {@code in} until it ends, then waits (bounded) for the calls still running. */
    public void run(BufferedReader in) throws IOException, InterruptedException {
        String line;
        while ((line = in.readLine()) != null) {
            if (line.trim().isEmpty()) {
                continue;
            }
            final Map<String, Object> cmd;
            try {
                cmd = castMap(Json.parse(line));
            } catch (RuntimeException e) {
                reply(failure(null, e, true, 0));
                continue;
            }
            if (cmd.containsKey("op")) {
                reply(control(cmd));
                continue;
            }
            pool.execute(new Runnable() {
                @Override
                public void run() {
                    reply(call(cmd));
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(60, TimeUnit.SECONDS);
        for (ReferenceConfig<?> r : refs.values()) {
            try {
                r.destroy();
            } catch (RuntimeException ignored) {
                // shutting down anyway
            }
        }
    }

    private void reply(Map<String, Object> result) {
        String text = Json.write(result);
        synchronized (out) {
            out.println(text);
            out.flush();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException("a command is a JSON object");
        }
        return (Map<String, Object>) o;
    }

    private Map<String, Object> control(Map<String, Object> cmd) {
        Map<String, Object> r = new LinkedHashMap<String, Object>();
        r.put("id", cmd.get("id"));
        String op = String.valueOf(cmd.get("op"));
        if (op.equals("ping")) {
            r.put("ok", true);
            r.put("result", "pong");
        } else if (op.equals("runtime")) {
            r.put("ok", true);
            r.put("result", "java dubbo " + Compat.dubboVersion());
        } else if (op.equals("reset")) {
            for (ReferenceConfig<?> ref : refs.values()) {
                try {
                    ref.destroy();
                } catch (RuntimeException ignored) {
                    // best effort
                }
            }
            refs.clear();
            proxies.clear();
            r.put("ok", true);
            r.put("result", null);
        } else {
            return failure(cmd.get("id"), new IllegalArgumentException("unknown op " + op), true, 0);
        }
        return r;
    }

    private Map<String, Object> call(Map<String, Object> cmd) {
        Object id = cmd.get("id");
        long t0 = System.nanoTime();
        Object result;
        Map<String, Object> responseAttachments;
        boolean harness = true;
        try {
            String call = string(cmd, "call", null);
            if (call == null || call.lastIndexOf('.') <= 0) {
                throw new IllegalArgumentException("\"call\" must be \"Interface.method\"");
            }
            String iface = interfaceName(call.substring(0, call.lastIndexOf('.')));
            String method = call.substring(call.lastIndexOf('.') + 1);
            List<?> args = cmd.get("args") == null ? Collections.emptyList() : (List<?>) cmd.get("args");
            List<String> types = strings(cmd.get("types"));
            boolean generic = Boolean.TRUE.equals(cmd.get("generic"));

            Object proxy;
            Method target = null;
            Object[] javaArgs;
            if (generic) {
                if (types == null) {
                    types = new ArrayList<String>();
                    for (int k = 0; k < args.size(); k++) {
                        types.add("java.lang.Object");
                    }
                }
                javaArgs = new Object[args.size()];
                for (int k = 0; k < args.size(); k++) {
                    Class<?> hint = k < types.size() ? Tagged.classFor(types.get(k)) : null;
                    boolean pojo = hint != null && !hint.isPrimitive() && !hint.isArray()
                            && !hint.getName().startsWith("java.");
                    javaArgs[k] = Tagged.toJava(args.get(k), hint == null || pojo ? Object.class : hint);
                }
                proxy = proxy(iface, null, cmd, true);
            } else {
                Class<?> cl = Tagged.classFor(iface);
                if (cl == null || !cl.isInterface()) {
                    throw new IllegalArgumentException("no Java interface " + iface + " here; use \"generic\": true");
                }
                target = pickMethod(cl, method, types, args.size());
                Type[] params = target.getGenericParameterTypes();
                javaArgs = new Object[args.size()];
                for (int k = 0; k < args.size(); k++) {
                    javaArgs[k] = Tagged.toJava(args.get(k), params[k]);
                }
                proxy = proxy(iface, cl, cmd, false);
            }
            Map<String, Object> attachments = new LinkedHashMap<String, Object>();
            if (cmd.get("attachments") != null) {
                for (Map.Entry<String, Object> e : castMap(cmd.get("attachments")).entrySet()) {
                    attachments.put(e.getKey(), Tagged.toJava(e.getValue(), Object.class));
                }
            }
            harness = false;
            Compat.setClientAttachments(attachments);
            try {
                if (generic) {
                    result = ((GenericService) proxy).$invoke(method, types.toArray(new String[0]), javaArgs);
                } else {
                    try {
                        result = target.invoke(proxy, javaArgs);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                }
                responseAttachments = Compat.clientResponseAttachments();
            } finally {
                Compat.clearClientContext();
            }
        } catch (Throwable e) {
            return failure(id, e, harness, t0);
        }
        Map<String, Object> r = new LinkedHashMap<String, Object>();
        r.put("id", id);
        r.put("ok", true);
        r.put("result", Tagged.toJson(result));
        Map<String, Object> shown = new LinkedHashMap<String, Object>();
        for (Map.Entry<String, Object> e : responseAttachments.entrySet()) {
            shown.put(e.getKey(), Tagged.toJson(e.getValue()));
        }
        r.put("attachments", shown);
        r.put("elapsedMs", (System.nanoTime() - t0) / 1000000L);
        return r;
    }

    private static String interfaceName(String name) {
        if (name.indexOf('.') >= 0) {
            return name;
        }
        for (String k : KNOWN) {
            if (k.endsWith("." + name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown interface " + name + "; give its full name");
    }

    private static List<String> strings(Object o) {
        if (o == null) {
            return null;
        }
        List<String> out = new ArrayList<String>();
        for (Object x : (List<?>) o) {
            out.add(String.valueOf(x));
        }
        return out;
    }

    private static String string(Map<String, Object> cmd, String key, String dflt) {
        Object v = cmd.get(key);
        return v == null ? dflt : String.valueOf(v);
    }

    /** The method named {@code name}; {@code types} (Java names like {@code int}) pick among overloads. */
    private static Method pickMethod(Class<?> cl, String name, List<String> types, int arity) {
        List<Method> found = new ArrayList<Method>();
        for (Method m : cl.getMethods()) {
            if (!m.getName().equals(name) || m.getParameterTypes().length != arity) {
                continue;
            }
            if (types != null) {
                Class<?>[] p = m.getParameterTypes();
                boolean same = types.size() == p.length;
                for (int k = 0; same && k < p.length; k++) {
                    same = types.get(k).equals(p[k].getName()) || types.get(k).equals(p[k].getSimpleName());
                }
                if (!same) {
                    continue;
                }
            }
            found.add(m);
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no method " + cl.getName() + "." + name + " with " + arity
                    + " parameters" + (types == null ? "" : " of types " + types));
        }
        throw new IllegalArgumentException("overloaded method " + cl.getName() + "." + name
                + ": say which with \"types\", e.g. [\"int\"]");
    }

    /**
     * The proxy for one reference configuration, made once and cached. References are made one at a time:
     * Dubbo 3.3 fails (NullPointerException in ReferenceConfig.createInvoker) when several initialise at once.
     */
    private Object proxy(String iface, Class<?> cl, Map<String, Object> cmd, boolean generic) {
        String url = string(cmd, "url", null);
        String registry = string(cmd, "registry", null);
        if (url == null && registry == null) {
            throw new IllegalArgumentException("a call needs \"url\" (direct) or \"registry\"");
        }
        String version = string(cmd, "version", null);
        String group = string(cmd, "group", null);
        String protocol = string(cmd, "protocol", null);
        String serialization = string(cmd, "serialization", null);
        int timeout = cmd.get("timeout") == null ? 5000 : ((JsonNum) cmd.get("timeout")).intValue();
        String key = iface + "|" + url + "|" + registry + "|" + version + "|" + group + "|" + protocol + "|"
                + serialization + "|" + timeout + "|" + generic;
        Object proxy = proxies.get(key);
        if (proxy != null) {
            return proxy;
        }
        synchronized (refs) {
            proxy = proxies.get(key);
            if (proxy != null) {
                return proxy;
            }
            ReferenceConfig<Object> r = new ReferenceConfig<Object>();
            r.setInterface(iface);
            if (generic) {
                r.setGeneric("true");
            } else {
                r.setInterface(cl);
            }
            if (url != null) {
                r.setUrl(url);
            } else {
                r.setRegistry(new RegistryConfig(registry));
            }
            if (protocol != null) {
                r.setProtocol(protocol);
            }
            if (version != null) {
                r.setVersion(version);
            }
            if (group != null) {
                r.setGroup(group);
            }
            Map<String, String> params = new LinkedHashMap<String, String>();
            if (serialization != null) {
                params.put("serialization", serialization);
                params.put("prefer.serialization", serialization);
            }
            if (!params.isEmpty()) {
                r.setParameters(params);
            }
            r.setTimeout(timeout);
            r.setRetries(0);
            r.setCheck(false);
            Compat.prepare(r);
            refs.put(key, r);
            proxy = r.get();
            proxies.put(key, proxy);
            return proxy;
        }
    }

    private static Map<String, Object> failure(Object id, Throwable e, boolean harness, long t0) {
        Map<String, Object> err = new LinkedHashMap<String, Object>();
        err.put("class", e.getClass().getName());
        err.put("message", e.getMessage());
        if (e instanceof RpcException) {
            err.put("code", ((RpcException) e).getCode());
            err.put("timeout", ((RpcException) e).isTimeout());
        }
        List<Object> causes = new ArrayList<Object>();
        Throwable c = e.getCause();
        for (int k = 0; c != null && c != e && k < 8; k++, c = c.getCause()) {
            Map<String, Object> one = new LinkedHashMap<String, Object>();
            one.put("class", c.getClass().getName());
            one.put("message", c.getMessage());
            causes.add(one);
        }
        err.put("causes", causes);
        err.put("harness", harness);
        if (harness) {
            StackTraceElement[] st = e.getStackTrace();
            List<Object> where = new ArrayList<Object>();
            for (int k = 0; k < Math.min(st.length, 6); k++) {
                where.add(st[k].toString());
            }
            err.put("stack", where);
        }
        Map<String, Object> r = new LinkedHashMap<String, Object>();
        r.put("id", id);
        r.put("ok", false);
        r.put("error", err);
        if (t0 != 0) {
            r.put("elapsedMs", (System.nanoTime() - t0) / 1000000L);
        }
        return r;
    }
}
