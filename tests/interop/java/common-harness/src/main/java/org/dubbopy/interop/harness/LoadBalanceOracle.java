package org.dubbopy.interop.harness;

import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.apache.dubbo.common.URL;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.Result;
import org.apache.dubbo.rpc.RpcInvocation;
import org.apache.dubbo.rpc.cluster.LoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.ConsistentHashLoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.RoundRobinLoadBalance;

/**
 * Java Dubbo's own load balancers as an oracle: builds minimal invokers over given provider URLs and asks
 * {@code ConsistentHashLoadBalance} / {@code RoundRobinLoadBalance} (through {@link LoadBalance#select})
 * which one takes each call. One request per stdin line (see {@link JsonLinesLoop}):
 * <pre>
 *   {"op":"select","balancer":"consistenthash"|"roundrobin","providers":["dubbo://h:p/Svc?k=v",..],
 *    "method":"m","calls":[[tagged args..],..] | "picks":n,
 *    "consumer":"consumer://..", "state":"name", "fresh":false}
 *     -&gt; {"selected":[index into providers,..]}
 *   {"op":"runtime"} -&gt; {"dubbo":"3.3.6","charset":"UTF-8"}
 * </pre>
 * {@code state} names a balancer instance kept between requests (a round-robin sequence continues over a
 * changed provider list); without it each request gets a new instance. {@code fresh} makes a new instance
 * for every single call (2.7's consistent hash counts requests per provider and moves on from a busy one).
 * An invoker is made once per distinct URL string and reused, so an unchanged list is the same list.
 */
public final class LoadBalanceOracle {
    private static final Map<String, LoadBalance> STATES = new HashMap<String, LoadBalance>();
    private static final Map<String, Invoker<Object>> INVOKERS = new HashMap<String, Invoker<Object>>();

    private LoadBalanceOracle() {}

    public static void main(String[] args) throws Exception {
        JsonLinesLoop.run(LoadBalanceOracle::handle);
    }

    private static void handle(Map<String, Object> request, Map<String, Object> answer) {
        String op = JsonLinesLoop.string(request, "op", "");
        if (op.equals("runtime")) {
            answer.put("dubbo", org.apache.dubbo.common.Version.getVersion());
            answer.put("charset", Charset.defaultCharset().name());
        } else if (op.equals("select")) {
            answer.put("selected", select(request));
        } else {
            throw new IllegalArgumentException("unknown op " + op);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> select(Map<String, Object> request) {
        String name = JsonLinesLoop.string(request, "balancer", "");
        List<Invoker<Object>> invokers = new ArrayList<Invoker<Object>>();
        Map<Invoker<Object>, Integer> indexes = new IdentityHashMap<Invoker<Object>, Integer>();
        for (Object provider : (List<Object>) request.get("providers")) {
            Invoker<Object> invoker = invoker(provider.toString());
            indexes.put(invoker, invokers.size());
            invokers.add(invoker);
        }
        String method = JsonLinesLoop.string(request, "method", "sayHi");
        String consumer = JsonLinesLoop.string(request, "consumer", null);
        URL consumerUrl = consumer == null ? invokers.get(0).getUrl() : URL.valueOf(consumer);
        List<Object> calls = (List<Object>) request.get("calls");
        if (calls == null) {
            int picks = ((JsonNum) request.get("picks")).intValue();
            calls = new ArrayList<Object>();
            for (int i = 0; i < picks; i++) {
                calls.add(new ArrayList<Object>());
            }
        }
        boolean fresh = Boolean.TRUE.equals(request.get("fresh"));
        String state = JsonLinesLoop.string(request, "state", null);
        LoadBalance balancer = state == null ? create(name) : STATES.get(state);
        if (balancer == null) {
            balancer = create(name);
            STATES.put(state, balancer);
        }
        List<Object> selected = new ArrayList<Object>(calls.size());
        for (Object call : calls) {
            List<Object> tagged = (List<Object>) call;
            Object[] arguments = new Object[tagged.size()];
            Class<?>[] types = new Class<?>[tagged.size()];
            for (int i = 0; i < arguments.length; i++) {
                arguments[i] = Tagged.toJava(tagged.get(i), Object.class);
                types[i] = arguments[i] == null ? Object.class : arguments[i].getClass();
            }
            RpcInvocation invocation = new RpcInvocation();
            invocation.setMethodName(method);
            invocation.setParameterTypes(types);
            invocation.setArguments(arguments);
            LoadBalance chooser = fresh ? create(name) : balancer;
            Invoker<Object> chosen = chooser.select(invokers, consumerUrl, invocation);
            selected.add(indexes.get(chosen));
        }
        return selected;
    }

    private static LoadBalance create(String name) {
        if (name.equals(ConsistentHashLoadBalance.NAME)) {
            return new ConsistentHashLoadBalance();
        }
        if (name.equals(RoundRobinLoadBalance.NAME)) {
            return new RoundRobinLoadBalance();
        }
        throw new IllegalArgumentException("unknown balancer " + name);
    }

    private static Invoker<Object> invoker(String url) {
        Invoker<Object> invoker = INVOKERS.get(url);
        if (invoker == null) {
            invoker = new UrlInvoker(URL.valueOf(url));
            INVOKERS.put(url, invoker);
        }
        return invoker;
    }

    /** An invoker that is only its URL: balancers read nothing else. */
    private static final class UrlInvoker implements Invoker<Object> {
        private final URL url;

        UrlInvoker(URL url) {
            this.url = url;
        }

        @Override
        public Class<Object> getInterface() {
            return Object.class;
        }

        @Override
        public Result invoke(Invocation invocation) {
            throw new UnsupportedOperationException("the oracle only selects");
        }

        @Override
        public URL getUrl() {
            return url;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public void destroy() {}

        @Override
        public String toString() {
            return url.toString();
        }
    }
}
