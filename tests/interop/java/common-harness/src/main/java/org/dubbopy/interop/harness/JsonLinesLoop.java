package org.dubbopy.interop.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The request loop of the one-request-at-a-time harness mains ({@link LoadBalanceOracle},
 * {@link RegistryNodes}, and on 3.3 {@code HessianLiteCheck}): prints {@code READY} (unless told not to), then reads one JSON object per stdin line and writes one JSON
 * answer per stdout line, the request's {@code "id"} copied into it. A request that fails is answered
 * {@code {"error": "Class: message"}}. Returns when stdin closes.
 */
final class JsonLinesLoop {
    /** Fills {@code answer} for one request. */
    interface Handler {
        void handle(Map<String, Object> request, Map<String, Object> answer) throws Exception;
    }

    private JsonLinesLoop() {}

    static void run(Handler handler) throws IOException {
        run(handler, true);
    }

    static void run(Handler handler, boolean ready) throws IOException {
        PrintStream protocol = Launch.takeStdout();
        if (ready) {
            protocol.println("READY");
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.trim().isEmpty()) {
                continue;
            }
            Map<String, Object> answer = new LinkedHashMap<String, Object>();
            try {
                Object parsed = Json.parse(line);
                if (!(parsed instanceof Map)) {
                    throw new IllegalArgumentException("a request is a JSON object");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> request = (Map<String, Object>) parsed;
                if (request.containsKey("id")) {
                    answer.put("id", request.get("id"));
                }
                handler.handle(request, answer);
            } catch (Throwable e) {
                answer.put("error", e.getClass().getName() + ": " + e.getMessage());
            }
            protocol.println(Json.write(answer));
        }
    }

    /** {@code request[key]} as a String, or {@code dflt} when absent or null. */
    static String string(Map<String, Object> request, String key, String dflt) {
        Object v = request.get(key);
        return v == null ? dflt : v.toString();
    }
}
