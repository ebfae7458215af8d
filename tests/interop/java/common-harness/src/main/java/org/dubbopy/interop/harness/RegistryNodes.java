package org.dubbopy.interop.harness;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.dubbo.common.URL;
import org.apache.dubbo.common.URLStrParser;
import org.apache.dubbo.common.utils.NetUtils;
import org.apache.dubbo.common.utils.UrlUtils;
import org.apache.dubbo.rpc.cluster.Configurator;
import org.apache.dubbo.rpc.cluster.configurator.parser.ConfigParser;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * Reads registry nodes as Java Dubbo reads them: lists the children of a ZooKeeper path (say
 * {@code /dubbo/<interface>/providers}) and parses each child name twice, with the registry's own parser
 * ({@code URLStrParser.parseEncodedStr}, what 2.7's {@code ZookeeperRegistry} and 3.3's
 * {@code CacheableFailbackRegistry} fallback use) and with {@code URL.valueOf(URL.decode(name))}; for each
 * parse it evaluates {@code UrlUtils.isMatch(consumer, url)} against the consumer URLs given. One request per
 * stdin line (see {@link JsonLinesLoop}):
 * <pre>
 *   {"op":"read","zookeeper":"127.0.0.1:2181","path":"/dubbo/x.Y/providers","consumers":["consumer://.."]}
 *     -&gt; {"nodes":[{"name":..,"decoded":..,"registry":URL,"valueOf":URL,"reencoded":..},..]}  (sorted by name)
 *   {"op":"parse","names":[..],"consumers":[..]}   -&gt; the same without ZooKeeper
 *   {"op":"configure","configurators":[URL..],"urls":[URL..]}
 *     -&gt; {"localHost":..,"configured":[{"host","port","parameters"},..]}: each URL through
 *        {@code Configurator.toConfigurators(configurators)} in order, as a consumer's directory applies
 *        its registry's configurators ({@code NetUtils.getLocalHost()} is the consumer's address)
 *   {"op":"configureRule","rule":"configVersion: v3.0\n...","urls":[URL..]}
 *     -&gt; as "configure", with the configurators of a config-centre rule ({@code ConfigParser}, which
 *        keeps each item's match block on its URLs)
 *   {"op":"parseRule","rule":"configVersion: v2.7\n..."}
 *     -&gt; {"urls":[{"protocol","host","port","path","parameters"},..]}: {@code ConfigParser.parseConfigurators}
 *   {"op":"runtime"}                                -&gt; {"dubbo":"3.3.6"}
 * </pre>
 * A parse that throws is {@code {"error": "Class: message"}}. A parsed URL is {@code {"protocol","username","password","host","port","path","parameters":{sorted},
 * "matches":[isMatch per consumer]}}; {@code reencoded} is {@code URL.encode(url.toFullString())} of the
 * registry parse, the node name Java would write for that URL.
 */
public final class RegistryNodes {
    private static final Map<String, ZooKeeper> CLIENTS = new HashMap<String, ZooKeeper>();

    private RegistryNodes() {}

    public static void main(String[] args) throws Exception {
        try {
            JsonLinesLoop.run(RegistryNodes::handle);
        } finally {
            for (ZooKeeper zk : CLIENTS.values()) {
                zk.close();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void handle(Map<String, Object> request, Map<String, Object> answer) throws Exception {
        String op = JsonLinesLoop.string(request, "op", "");
        List<URL> consumers = new ArrayList<URL>();
        Object given = request.get("consumers");
        if (given != null) {
            for (Object consumer : (List<Object>) given) {
                consumers.add(URL.valueOf(consumer.toString()));
            }
        }
        List<String> names = new ArrayList<String>();
        if (op.equals("configure")) {
            List<URL> rules = new ArrayList<URL>();
            for (Object rule : (List<Object>) request.get("configurators")) {
                rules.add(URL.valueOf(rule.toString()));
            }
            configure(rules, request, answer);
            return;
        }
        if (op.equals("configureRule")) {
            configure(ConfigParser.parseConfigurators(JsonLinesLoop.string(request, "rule", "")), request, answer);
            return;
        }
        if (op.equals("parseRule")) {
            List<Object> urls = new ArrayList<Object>();
            for (URL url : ConfigParser.parseConfigurators(JsonLinesLoop.string(request, "rule", ""))) {
                Map<String, Object> out = new LinkedHashMap<String, Object>();
                out.put("protocol", url.getProtocol());
                out.put("host", url.getHost());
                out.put("port", url.getPort());
                out.put("path", url.getPath());
                out.put("parameters", new TreeMap<String, Object>(url.getParameters()));
                urls.add(out);
            }
            answer.put("urls", urls);
            return;
        }
        if (op.equals("runtime")) {
            answer.put("dubbo", org.apache.dubbo.common.Version.getVersion());
            return;
        } else if (op.equals("read")) {
            ZooKeeper zk = connect(JsonLinesLoop.string(request, "zookeeper", "127.0.0.1:2181"));
            names.addAll(zk.getChildren(JsonLinesLoop.string(request, "path", "/"), false));
        } else if (op.equals("parse")) {
            for (Object name : (List<Object>) request.get("names")) {
                names.add(name.toString());
            }
        } else {
            throw new IllegalArgumentException("unknown op " + op);
        }
        Collections.sort(names);
        List<Object> nodes = new ArrayList<Object>();
        for (String name : names) {
            Map<String, Object> node = new LinkedHashMap<String, Object>();
            node.put("name", name);
            node.put("decoded", URL.decode(name));
            try {
                URL registry = URLStrParser.parseEncodedStr(name);
                node.put("registry", describe(registry, consumers));
                node.put("reencoded", URL.encode(registry.toFullString()));
            } catch (RuntimeException e) {
                node.put("registry", failure(e));
            }
            try {
                node.put("valueOf", describe(URL.valueOf(URL.decode(name)), consumers));
            } catch (RuntimeException e) {
                node.put("valueOf", failure(e));
            }
            nodes.add(node);
        }
        answer.put("nodes", nodes);
    }

    @SuppressWarnings("unchecked")
    private static void configure(List<URL> rules, Map<String, Object> request, Map<String, Object> answer) {
        List<Configurator> configurators =
                Configurator.toConfigurators(rules).orElse(Collections.<Configurator>emptyList());
        List<Object> configured = new ArrayList<Object>();
        for (Object given : (List<Object>) request.get("urls")) {
            URL url = URL.valueOf(given.toString());
            for (Configurator configurator : configurators) {
                url = configurator.configure(url);
            }
            Map<String, Object> out = new LinkedHashMap<String, Object>();
            out.put("host", url.getHost());
            out.put("port", url.getPort());
            out.put("parameters", new TreeMap<String, Object>(url.getParameters()));
            configured.add(out);
        }
        answer.put("localHost", NetUtils.getLocalHost());
        answer.put("configured", configured);
    }

    private static Map<String, Object> failure(RuntimeException e) {
        Map<String, Object> out = new LinkedHashMap<String, Object>();
        out.put("error", e.getClass().getName() + ": " + e.getMessage());
        return out;
    }

    private static Map<String, Object> describe(URL url, List<URL> consumers) {
        Map<String, Object> out = new LinkedHashMap<String, Object>();
        out.put("protocol", url.getProtocol());
        out.put("username", url.getUsername());
        out.put("password", url.getPassword());
        out.put("host", url.getHost());
        out.put("port", url.getPort());
        out.put("path", url.getPath());
        out.put("serviceKey", url.getServiceKey());
        out.put("parameters", new TreeMap<String, Object>(url.getParameters()));
        List<Object> matches = new ArrayList<Object>();
        for (URL consumer : consumers) {
            matches.add(UrlUtils.isMatch(consumer, url));
        }
        out.put("matches", matches);
        return out;
    }

    private static ZooKeeper connect(String address) throws Exception {
        ZooKeeper zk = CLIENTS.get(address);
        if (zk != null && zk.getState().isAlive()) {
            return zk;
        }
        final CountDownLatch connected = new CountDownLatch(1);
        zk = new ZooKeeper(address, 30000, new Watcher() {
            @Override
            public void process(WatchedEvent event) {
                if (event.getState() == Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            }
        });
        if (!connected.await(60, TimeUnit.SECONDS)) {
            zk.close();
            throw new IllegalStateException("no ZooKeeper session with " + address + " within 60 s");
        }
        CLIENTS.put(address, zk);
        return zk;
    }
}
