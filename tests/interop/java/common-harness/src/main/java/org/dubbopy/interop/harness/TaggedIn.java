package org.dubbopy.interop.harness;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/** Tagged (or plain) JSON to a Java value (see {@link Tagged}); one instance per value built. */
final class TaggedIn {
    private final List<Object> containers = new ArrayList<Object>();

    private <T> T register(T container) {
        containers.add(container);
        return container;
    }

    Object in(Object json, Type targetType) {
        Class<?> target = targetType == null ? Object.class : Tagged.raw(targetType);
        if (json == null) {
            return null;
        }
        if (json instanceof Boolean) {
            return json;
        }
        if (json instanceof String) {
            return string((String) json, target);
        }
        if (json instanceof JsonNum) {
            JsonNum n = (JsonNum) json;
            Class<?> box = Tagged.boxed(target);
            if (box == Double.class) {
                return n.doubleValue(); // keeps -0.0, which BigDecimal would lose
            }
            if (box == Float.class) {
                return (float) n.doubleValue();
            }
            Object v = Tagged.number(n.decimal(), target);
            if (v != null) {
                return v;
            }
            if (!n.isIntegral()) {
                return n.doubleValue();
            }
            BigInteger b = n.decimal().toBigIntegerExact();
            if (b.bitLength() < 32) {
                return b.intValue();
            }
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }
        if (json instanceof List) {
            return list((List<?>) json, null, targetType);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> obj = (Map<String, Object>) json;
        for (String k : obj.keySet()) {
            if (k.startsWith("$")) {
                return tagged(obj, targetType);
            }
        }
        return plainObject(obj, targetType);
    }

    private Object string(String s, Class<?> target) {
        Class<?> c = Tagged.boxed(target);
        if (c == Character.class && s.length() == 1) {
            return s.charAt(0);
        }
        if (c.isEnum()) {
            return enumValue(c, s);
        }
        if (c == BigDecimal.class) {
            return new BigDecimal(s);
        }
        if (c == BigInteger.class) {
            return new BigInteger(s);
        }
        if (c == UUID.class) {
            return UUID.fromString(s);
        }
        if (Tagged.Protobuf.isMessageClass(c)) {
            return Tagged.Protobuf.fromString(c, s);
        }
        return s;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object enumValue(Class<?> c, String name) {
        return Enum.valueOf((Class) c, name);
    }

    private Object tagged(Map<String, Object> obj, Type targetType) {
        Class<?> target = targetType == null ? Object.class : Tagged.raw(targetType);
        if (obj.containsKey("$ref")) {
            int n = ((JsonNum) obj.get("$ref")).intValue();
            if (n < 0 || n >= containers.size()) {
                throw new IllegalArgumentException("$ref " + n + " names no container opened before it");
            }
            return containers.get(n);
        }
        if (obj.containsKey("$list")) {
            return list((List<?>) obj.get("$list"), (String) obj.get("$type"), targetType);
        }
        if (obj.containsKey("$map")) {
            return map((List<?>) obj.get("$map"), (String) obj.get("$type"), targetType);
        }
        if (obj.containsKey("$class")) {
            return classed((String) obj.get("$class"), obj.get("$fields"));
        }
        String[] numeric = {"$int", "$long", "$double", "$float", "$short", "$byte"};
        Class<?>[] classes = {Integer.class, Long.class, Double.class, Float.class, Short.class, Byte.class};
        for (int k = 0; k < numeric.length; k++) {
            if (obj.containsKey(numeric[k])) {
                Object raw = obj.get(numeric[k]);
                Class<?> want = target != Object.class && Tagged.number(BigDecimal.ZERO, target) != null
                        ? Tagged.boxed(target) : classes[k];
                if (want == Double.class || want == Float.class) {
                    // NaN, Infinity, -Infinity and -0.0 parse as text; BigDecimal would lose -0.0
                    double d = Double.parseDouble(String.valueOf(raw));
                    return want == Float.class ? (Object) (float) d : (Object) d;
                }
                BigDecimal n = decimalOf(raw);
                if (n == null) {
                    throw new IllegalArgumentException(numeric[k] + " needs a number, not " + raw);
                }
                // an explicit tag wins, except where the declared parameter type needs another box
                Object v = target != Object.class ? Tagged.number(n, target) : null;
                return v != null ? v : Tagged.number(n, classes[k]);
            }
        }
        if (obj.containsKey("$char")) {
            return ((String) obj.get("$char")).charAt(0);
        }
        if (obj.containsKey("$date")) {
            return new Date(decimalOf(obj.get("$date")).longValueExact());
        }
        if (obj.containsKey("$bytes")) {
            return Hex.decode((String) obj.get("$bytes"));
        }
        if (obj.containsKey("$decimal")) {
            return new BigDecimal((String) obj.get("$decimal"));
        }
        if (obj.containsKey("$bigint")) {
            return new BigInteger(String.valueOf(obj.get("$bigint")));
        }
        if (obj.containsKey("$uuid")) {
            return UUID.fromString((String) obj.get("$uuid"));
        }
        if (obj.containsKey("$enum")) {
            String cls = (String) obj.get("$enum");
            String name = (String) obj.get("name");
            Class<?> c = Tagged.classFor(cls);
            if (c != null && c.isEnum()) {
                return enumValue(c, name);
            }
            GenericObject g = new GenericObject(cls); // $enum is a leaf: it takes no container number
            g.fields.put("name", name);
            return g;
        }
        if (obj.containsKey("$throwable")) {
            return throwable(obj);
        }
        if (obj.containsKey("$proto")) {
            return Tagged.Protobuf.fromJson(obj, target);
        }
        throw new IllegalArgumentException("unknown tag in " + obj.keySet());
    }

    private BigDecimal decimalOf(Object v) {
        if (v instanceof JsonNum) {
            return ((JsonNum) v).decimal();
        }
        try {
            return new BigDecimal(String.valueOf(v));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Object throwable(Map<String, Object> obj) {
        String cls = (String) obj.get("$throwable");
        String message = (String) obj.get("message");
        Class<?> c = Tagged.classFor(cls);
        if (c == null || !Throwable.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException("no Throwable class " + cls + " here");
        }
        Throwable t;
        try {
            t = (Throwable) c.getConstructor(String.class).newInstance(message);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot build " + cls + "(String): " + e);
        }
        t.setStackTrace(new StackTraceElement[0]);
        if (obj.get("cause") != null) {
            t.initCause((Throwable) throwable(castMap(obj.get("cause"))));
        }
        return t;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }

    private Object list(List<?> items, String type, Type targetType) {
        Class<?> target = targetType == null ? Object.class : Tagged.raw(targetType);
        Class<?> arrayClass = null;
        Collection<Object> coll = null;
        if (type != null) {
            Class<?> c = Tagged.classFor(type);
            if (c != null && c.isArray()) {
                arrayClass = c;
            } else if (c != null && Collection.class.isAssignableFrom(c)) {
                coll = newCollection(c);
            }
            if (arrayClass == null && coll == null) {
                coll = new GenericList(type);
            }
        } else if (target.isArray()) {
            arrayClass = target;
        } else if (target != Object.class && Collection.class.isAssignableFrom(target)) {
            coll = newCollection(target);
        }
        if (arrayClass != null) {
            Class<?> component = arrayClass.getComponentType();
            Type componentType = targetType instanceof GenericArrayType
                    ? ((GenericArrayType) targetType).getGenericComponentType() : component;
            Object array = register(Array.newInstance(component, items.size()));
            for (int k = 0; k < items.size(); k++) {
                Array.set(array, k, in(items.get(k), componentType));
            }
            return array;
        }
        if (coll == null) {
            coll = new ArrayList<Object>();
        }
        register(coll);
        Type element = coll instanceof GenericList ? Object.class : Tagged.typeArg(targetType, 0);
        for (Object x : items) {
            coll.add(in(x, element));
        }
        return coll;
    }

    @SuppressWarnings("unchecked")
    private Collection<Object> newCollection(Class<?> c) {
        if (!c.isInterface() && !Modifier.isAbstract(c.getModifiers())) {
            try {
                Constructor<?> k = c.getDeclaredConstructor();
                k.setAccessible(true);
                return (Collection<Object>) k.newInstance();
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
        if (SortedSet.class.isAssignableFrom(c)) {
            return new TreeSet<Object>();
        }
        if (Set.class.isAssignableFrom(c)) {
            return new HashSet<Object>();
        }
        return new ArrayList<Object>();
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> newMap(Class<?> c) {
        if (!c.isInterface() && !Modifier.isAbstract(c.getModifiers())) {
            try {
                Constructor<?> k = c.getDeclaredConstructor();
                k.setAccessible(true);
                return (Map<Object, Object>) k.newInstance();
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
        return SortedMap.class.isAssignableFrom(c) ? new TreeMap<Object, Object>() : new HashMap<Object, Object>();
    }

    private Object map(List<?> pairs, String type, Type targetType) {
        Class<?> target = targetType == null ? Object.class : Tagged.raw(targetType);
        Map<Object, Object> m = null;
        if (type != null) {
            Class<?> c = Tagged.classFor(type);
            if (c != null && Map.class.isAssignableFrom(c)) {
                m = newMap(c);
            }
            if (m == null) {
                m = new GenericMap(type);
            }
        } else if (Map.class.isAssignableFrom(target)) {
            m = newMap(target);
        }
        if (m == null) {
            m = new HashMap<Object, Object>();
        }
        register(m);
        boolean generic = m instanceof GenericMap;
        for (Object p : pairs) {
            List<?> pair = (List<?>) p;
            if (pair.size() != 2) {
                throw new IllegalArgumentException("$map entries are [key, value] pairs");
            }
            Object k = in(pair.get(0), generic ? Object.class : Tagged.typeArg(targetType, 0));
            m.put(k, in(pair.get(1), generic ? Object.class : Tagged.typeArg(targetType, 1)));
        }
        return m;
    }

    private Object plainObject(Map<String, Object> obj, Type targetType) {
        Class<?> target = targetType == null ? Object.class : Tagged.raw(targetType);
        if (target != Object.class && !Map.class.isAssignableFrom(target) && !target.isInterface()
                && !target.isPrimitive() && !target.getName().startsWith("java.")) {
            return pojo(target, obj);
        }
        Map<Object, Object> m = Map.class.isAssignableFrom(target) ? newMap(target) : null;
        if (m == null) {
            m = new HashMap<Object, Object>();
        }
        register(m);
        for (Map.Entry<String, Object> e : obj.entrySet()) {
            m.put(e.getKey(), in(e.getValue(), Tagged.typeArg(targetType, 1)));
        }
        return m;
    }

    private Object classed(String className, Object fieldsJson) {
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = fieldsJson == null
                ? new LinkedHashMap<String, Object>() : (Map<String, Object>) fieldsJson;
        Class<?> c = Tagged.classFor(className);
        if (c != null && (c.isEnum() || c == BigDecimal.class || c == BigInteger.class || c == UUID.class
                || Throwable.class.isAssignableFrom(c))) {
            int slot = containers.size();
            register(null);
            for (Object v : fields.values()) {
                for (int k = countContainers(v); k > 0; k--) {
                    register(null); // nested nodes this conversion skips keep their numbers
                }
            }
            Object v = valueClass(c, fields);
            containers.set(slot, v);
            return v;
        }
        if (c == null || c.isInterface() || c.isPrimitive()) {
            GenericObject g = register(new GenericObject(className));
            for (Map.Entry<String, Object> e : fields.entrySet()) {
                g.fields.put(e.getKey(), in(e.getValue(), Object.class));
            }
            return g;
        }
        return pojo(c, fields);
    }

    /** Classes the wire carries as objects but Java builds from one value: enums, BigDecimal, throwables. */
    private Object valueClass(Class<?> c, Map<String, Object> fields) {
        if (c.isEnum()) {
            return enumValue(c, (String) fields.get("name"));
        }
        if (c == BigDecimal.class) {
            return new BigDecimal((String) fields.get("value"));
        }
        if (c == BigInteger.class) {
            return new BigInteger(String.valueOf(fields.get("value")));
        }
        if (c == UUID.class) {
            return UUID.fromString((String) fields.get("value"));
        }
        // a Throwable: only its message is taken (its other fields are JDK internals)
        Map<String, Object> t = new LinkedHashMap<String, Object>();
        t.put("$throwable", c.getName());
        t.put("message", fields.get("detailMessage"));
        return throwable(t);
    }

    /** How many container nodes (plain arrays/objects, $list, $map, $class) a JSON value holds. */
    private int countContainers(Object json) {
        int n = 0;
        if (json instanceof List) {
            n = 1;
            for (Object x : (List<?>) json) {
                n += countContainers(x);
            }
        } else if (json instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) json;
            if (m.containsKey("$list")) {
                n = 1;
                for (Object x : (List<?>) m.get("$list")) {
                    n += countContainers(x);
                }
            } else if (m.containsKey("$map")) {
                n = 1;
                for (Object pair : (List<?>) m.get("$map")) {
                    for (Object x : (List<?>) pair) {
                        n += countContainers(x);
                    }
                }
            } else if (m.containsKey("$class")) {
                n = 1;
                if (m.get("$fields") instanceof Map) {
                    for (Object x : ((Map<?, ?>) m.get("$fields")).values()) {
                        n += countContainers(x);
                    }
                }
            } else {
                boolean tagged = false;
                for (Object k : m.keySet()) {
                    tagged |= String.valueOf(k).startsWith("$");
                }
                if (!tagged) {
                    n = 1;
                    for (Object x : m.values()) {
                        n += countContainers(x);
                    }
                }
            }
        }
        return n;
    }

    private Object pojo(Class<?> c, Map<String, Object> fields) {
        Object o;
        try {
            Constructor<?> k = c.getDeclaredConstructor();
            k.setAccessible(true);
            o = k.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot create " + c.getName() + " with a no-arg constructor: " + e);
        }
        register(o);
        Map<String, Field> byName = new HashMap<String, Field>();
        for (Field f : Tagged.fields(c)) {
            if (!byName.containsKey(f.getName())) {
                byName.put(f.getName(), f);
            }
        }
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            Field f = byName.get(e.getKey());
            if (f == null) {
                throw new IllegalArgumentException(c.getName() + " has no field " + e.getKey());
            }
            try {
                f.setAccessible(true);
                f.set(o, in(e.getValue(), f.getGenericType()));
            } catch (IllegalAccessException | IllegalArgumentException ex) {
                throw new IllegalArgumentException("cannot set " + c.getName() + "." + e.getKey() + ": " + ex);
            }
        }
        return o;
    }
}
