package org.dubbopy.interop.harness;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Java value to tagged JSON (see {@link Tagged}); one instance per value shown. */
final class TaggedOut {
    /** The containers being shown (ancestors of the current value) and their numbers. */
    private final IdentityHashMap<Object, Integer> path = new IdentityHashMap<Object, Integer>();
    /** How many $list/$map/$class nodes have been emitted so far. */
    private int emitted;

    Object out(Object v) {
        if (v == null || v instanceof Boolean || v instanceof String) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return Tagged.tag("$int", ((Number) v).intValue());
        }
        if (v instanceof Long) {
            return Tagged.tag("$long", v.toString());
        }
        if (v instanceof Double) {
            return Tagged.tag("$double", v);
        }
        if (v instanceof Float) {
            // hessian-lite writes a float as the double with the float's shortest decimal form
            return Tagged.tag("$double", Double.parseDouble(v.toString()));
        }
        if (v instanceof Character) {
            return v.toString();
        }
        if (v.getClass() == Date.class) {
            return Tagged.tag("$date", ((Date) v).getTime());
        }
        if (v instanceof byte[]) {
            return Tagged.tag("$bytes", Hex.encode((byte[]) v));
        }
        if (v instanceof BigInteger) {
            return Tagged.tag("$bigint", v.toString());
        }
        if (v instanceof Throwable) {
            return throwable((Throwable) v, 0);
        }
        if (Tagged.Protobuf.isMessage(v)) {
            return Tagged.Protobuf.toJson(v);
        }
        if (v instanceof Enum) {
            return valueObject(((Enum<?>) v).getDeclaringClass().getName(), "name", ((Enum<?>) v).name());
        }
        if (v instanceof BigDecimal || v instanceof UUID) {
            return valueObject(v.getClass().getName(), "value", v.toString());
        }
        Integer ancestor = path.get(v);
        if (ancestor != null) {
            return Tagged.tag("$ref", ancestor);
        }
        path.put(v, emitted++);
        try {
            return container(v);
        } finally {
            path.remove(v);
        }
    }

    /** An object the wire carries with one string field: an enum's name, a BigDecimal's value. */
    private Map<String, Object> valueObject(String className, String field, String value) {
        emitted++;
        Map<String, Object> m = Tagged.tag("$class", className);
        m.put("$fields", Tagged.tag(field, value));
        return m;
    }

    private Object container(Object v) {
        if (v instanceof GenericObject) {
            GenericObject g = (GenericObject) v;
            Map<String, Object> m = Tagged.tag("$class", g.className);
            Map<String, Object> f = new LinkedHashMap<String, Object>();
            m.put("$fields", f);
            for (Map.Entry<String, Object> e : g.fields.entrySet()) {
                f.put(e.getKey(), out(e.getValue()));
            }
            return m;
        }
        if (v instanceof GenericList) {
            return list(((GenericList) v).type, (GenericList) v);
        }
        if (v.getClass().isArray()) {
            List<Object> items = new ArrayList<Object>();
            int n = Array.getLength(v);
            for (int k = 0; k < n; k++) {
                items.add(Array.get(v, k));
            }
            return list(Tagged.hessianArrayType(v.getClass()), items);
        }
        if (v instanceof Collection) {
            return list(v.getClass() == ArrayList.class ? null : v.getClass().getName(), (Collection<?>) v);
        }
        if (v instanceof Map) {
            String type = v instanceof GenericMap ? ((GenericMap) v).type
                    : v.getClass() == HashMap.class ? null : v.getClass().getName();
            List<Object> pairs = new ArrayList<Object>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                List<Object> pair = new ArrayList<Object>(2);
                pair.add(out(e.getKey()));
                pair.add(out(e.getValue()));
                pairs.add(pair);
            }
            Map<String, Object> m = Tagged.tag("$map", pairs);
            if (type != null) {
                m.put("$type", type);
            }
            return m;
        }
        return pojo(v);
    }

    private Map<String, Object> list(String type, Collection<?> items) {
        List<Object> out = new ArrayList<Object>();
        for (Object x : items) {
            out.add(out(x));
        }
        Map<String, Object> m = Tagged.tag("$list", out);
        if (type != null) {
            m.put("$type", type);
        }
        return m;
    }

    private Map<String, Object> throwable(Throwable t, int depth) {
        Map<String, Object> m = Tagged.tag("$throwable", t.getClass().getName());
        m.put("message", t.getMessage());
        Throwable c = t.getCause();
        if (c != null && c != t && depth < 8) {
            m.put("cause", throwable(c, depth + 1));
        }
        return m;
    }

    private Object pojo(Object v) {
        Map<String, Object> m = Tagged.tag("$class", v.getClass().getName());
        Map<String, Object> f = new LinkedHashMap<String, Object>();
        try {
            for (Field field : Tagged.fields(v.getClass())) {
                field.setAccessible(true);
                f.put(field.getName(), field.get(v));
            }
        } catch (RuntimeException | IllegalAccessException e) {
            // a JDK class this module may not open: show its string form instead of its fields
            m.put("$string", v.toString());
            return m;
        }
        Map<String, Object> shown = new LinkedHashMap<String, Object>();
        for (Map.Entry<String, Object> e : f.entrySet()) {
            shown.put(e.getKey(), out(e.getValue()));
        }
        m.put("$fields", shown);
        return m;
    }
}
