package org.dubbopy.interop.harness;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.alibaba.com.caucho.hessian.io.Hessian2Input;
import com.alibaba.com.caucho.hessian.io.Hessian2Output;

/**
 * Java hessian-lite (the Hessian library inside Dubbo 3.3) as a cross-check peer. It speaks the JSON-lines
 * protocol of tests/hessian_peers.py: one request per stdin line, one answer per stdout line, the request's
 * {@code "id"} copied into the answer.
 * <pre>
 *   {"op":"encode","value":&lt;tagged&gt;}         -&gt; {"hex":".."}   one value, one Hessian2Output
 *   {"op":"encode","values":[..]}              -&gt; {"hex":".."}   several values in one stream
 *   {"op":"decode","hex":".."}                 -&gt; {"value":..}   exactly one value, every byte used
 *   {"op":"decode","hex":"..","all":true}      -&gt; {"values":[..]} every value up to the end
 *   {"op":"reencode","hex":".."}               -&gt; {"hex":"..","values":[..]} read all, write back
 *   {"op":"ping"}                              -&gt; {"peer":"hessian-lite","version":"4.0.4"}
 *   anything that fails                        -&gt; {"error":"Class: message"}
 * </pre>
 * decode and reencode take {@code "mode":"java"} to read maps and collections into the Java classes
 * hessian-lite picks (HashMap, HashSet, ...), whose iteration order is not the wire's; the default
 * {@code "wire"} mode keeps order and type names (see {@link PermissiveSerializerFactory}).
 */
public final class HessianLiteCheck {
    private static final PermissiveSerializerFactory WIRE = new PermissiveSerializerFactory(true);
    private static final PermissiveSerializerFactory JAVA = new PermissiveSerializerFactory(false);

    private HessianLiteCheck() {}

    public static void main(String[] args) throws IOException {
        // hessian-lite logs a warning for every unknown class: unknown classes are the point here
        Logger.getLogger("com.alibaba.com.caucho.hessian").setLevel(Level.SEVERE);
        // the peer protocol of tests/hessian_peers.py has no READY line
        JsonLinesLoop.run(HessianLiteCheck::handle, false);
    }

    private static void handle(Map<String, Object> request, Map<String, Object> answer) throws IOException {
        String op = String.valueOf(request.get("op"));
        PermissiveSerializerFactory factory = "java".equals(request.get("mode")) ? JAVA : WIRE;
        if (op.equals("decode")) {
            boolean all = Boolean.TRUE.equals(request.get("all"));
            List<Object> values = decode(factory, Hex.decode((String) request.get("hex")), all);
            if (all) {
                answer.put("values", show(values));
            } else {
                answer.put("value", Tagged.toJson(values.get(0)));
            }
        } else if (op.equals("reencode")) {
            List<Object> values = decode(factory, Hex.decode((String) request.get("hex")), true);
            answer.put("hex", Hex.encode(encode(values)));
            answer.put("values", show(values));
        } else if (op.equals("encode")) {
            List<Object> values = new ArrayList<Object>();
            if (request.get("values") instanceof List) {
                for (Object v : (List<?>) request.get("values")) {
                    values.add(Tagged.toJava(v, Object.class));
                }
            } else if (request.containsKey("value")) {
                values.add(Tagged.toJava(request.get("value"), Object.class));
            } else {
                throw new IllegalArgumentException("encode needs \"value\" or \"values\"");
            }
            answer.put("hex", Hex.encode(encode(values)));
        } else if (op.equals("ping")) {
            answer.put("peer", "hessian-lite");
            answer.put("version", hessianLiteVersion());
        } else {
            throw new IllegalArgumentException("unknown op " + op);
        }
    }

    private static List<Object> show(List<Object> values) {
        List<Object> shown = new ArrayList<Object>();
        for (Object v : values) {
            shown.add(Tagged.toJson(v));
        }
        return shown;
    }

    /** One value (every byte used) or, with {@code all}, every value up to the end of {@code data}. */
    private static List<Object> decode(PermissiveSerializerFactory factory, byte[] data, boolean all)
            throws IOException {
        Counting counting = new Counting(data);
        Hessian2Input in = new Hessian2Input(counting);
        in.setSerializerFactory(factory);
        List<Object> values = new ArrayList<Object>();
        do {
            values.add(in.readObject());
        } while (all && consumed(in, counting) < data.length);
        int left = data.length - consumed(in, counting);
        if (left != 0) {
            throw new IllegalArgumentException(left + " byte(s) left after the value");
        }
        return values;
    }

    private static byte[] encode(List<Object> values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Hessian2Output out = new Hessian2Output(bytes);
        out.setSerializerFactory(WIRE);
        for (Object v : values) {
            out.writeObject(v);
        }
        out.flush();
        return bytes.toByteArray();
    }

    /** Bytes Hessian2Input has used: those handed to it minus those still in its private read buffer. */
    private static int consumed(Hessian2Input in, Counting counting) {
        try {
            Field offset = Hessian2Input.class.getDeclaredField("_offset");
            Field length = Hessian2Input.class.getDeclaredField("_length");
            offset.setAccessible(true);
            length.setAccessible(true);
            return counting.delivered - (length.getInt(in) - offset.getInt(in));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this hessian-lite has no _offset/_length buffer fields", e);
        }
    }

    private static String hessianLiteVersion() {
        Properties p = new Properties();
        try (InputStream s = Hessian2Input.class.getResourceAsStream(
                "/META-INF/maven/org.apache.dubbo/hessian-lite/pom.properties")) {
            if (s != null) {
                p.load(s);
            }
        } catch (IOException ignored) {
            // reported as unknown below
        }
        return p.getProperty("version", "unknown");
    }

    /** A byte-array stream that counts what it has handed out. */
    private static final class Counting extends ByteArrayInputStream {
        int delivered;

        Counting(byte[] data) {
            super(data);
        }

        @Override
        public synchronized int read() {
            int b = super.read();
            if (b >= 0) {
                delivered++;
            }
            return b;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            int n = super.read(b, off, len);
            if (n > 0) {
                delivered += n;
            }
            return n;
        }
    }
}
