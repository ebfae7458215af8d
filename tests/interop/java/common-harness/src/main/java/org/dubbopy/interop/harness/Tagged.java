package org.dubbopy.interop.harness;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tagged JSON: the form in which the harness shows Java values to Python and takes them from it, the same
 * form tests/hessian_peers.py and the hessian.js peer speak (described in tests/interop/java/README.md). It
 * spells out the Hessian wire type of every part: {@code {"$int":1}}, {@code {"$long":"1"}},
 * {@code {"$double":1.5}}, {@code {"$date":0}}, {@code {"$bytes":"hex"}}, {@code {"$list":[..],"$type":..}},
 * {@code {"$map":[[k,v],..],"$type":..}}, {@code {"$class":"x.Y","$fields":{..}}}; {@code {"$ref":n}} stands
 * for the n-th container node (0-based, document order) when a value contains itself. Input also takes plain
 * JSON arrays and objects, read according to the declared Java type.
 */
public final class Tagged {
    private Tagged() {}

    // ------------------------------------------------------------------------------------------------
    // Java -> tagged JSON

    /** The tagged JSON form of a Java value. */
    public static Object toJson(Object value) {
        return new TaggedOut().out(value);
    }

    static Map<String, Object> tag(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put(key, value);
        return m;
    }

    /** Serializable fields (not static, not transient) of a class and its superclasses, subclass first. */
    static List<Field> fields(Class<?> cl) {
        List<Field> out = new ArrayList<Field>();
        for (Class<?> c = cl; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                int mod = f.getModifiers();
                if (!Modifier.isStatic(mod) && !Modifier.isTransient(mod)) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    /** Hessian's type name for an array class: {@code [int}, {@code [string}, {@code [object}, {@code [x.Y}. */
    public static String hessianArrayType(Class<?> cl) {
        if (cl.isArray()) {
            return "[" + hessianArrayType(cl.getComponentType());
        }
        if (cl == String.class) {
            return "string";
        }
        if (cl == Object.class) {
            return "object";
        }
        if (cl == Date.class) {
            return "date";
        }
        return cl.getName();
    }

    // ------------------------------------------------------------------------------------------------
    // tagged JSON -> Java

    /** Builds the Java value a tagged JSON value stands for; {@code target} (may be null) guides plain JSON. */
    public static Object toJava(Object json, Type target) {
        return new TaggedIn().in(json, target);
    }

    /** The class for a Java or Hessian type name ({@code int}, {@code [string}, {@code java.util.Date}), or null. */
    public static Class<?> classFor(String name) {
        if (name == null) {
            return null;
        }
        switch (name) {
            case "int": return int.class;
            case "long": return long.class;
            case "short": return short.class;
            case "byte": return byte.class;
            case "boolean": return boolean.class;
            case "double": return double.class;
            case "float": return float.class;
            case "char": return char.class;
            case "void": return void.class;
            case "string": return String.class;
            case "object": return Object.class;
            case "date": return Date.class;
            default: break;
        }
        if (name.startsWith("[") && !name.endsWith(";")) {
            Class<?> component = classFor(name.substring(1));
            return component == null ? null : Array.newInstance(component, 0).getClass();
        }
        try {
            return Class.forName(name, false, Tagged.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    static Class<?> raw(Type t) {
        if (t instanceof Class) {
            return (Class<?>) t;
        }
        if (t instanceof ParameterizedType) {
            return raw(((ParameterizedType) t).getRawType());
        }
        if (t instanceof GenericArrayType) {
            return Array.newInstance(raw(((GenericArrayType) t).getGenericComponentType()), 0).getClass();
        }
        return Object.class;
    }

    static Type typeArg(Type t, int index) {
        if (t instanceof ParameterizedType) {
            Type[] args = ((ParameterizedType) t).getActualTypeArguments();
            if (index < args.length) {
                return args[index];
            }
        }
        return Object.class;
    }

    static Class<?> boxed(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        if (c == int.class) return Integer.class;
        if (c == long.class) return Long.class;
        if (c == double.class) return Double.class;
        if (c == float.class) return Float.class;
        if (c == short.class) return Short.class;
        if (c == byte.class) return Byte.class;
        if (c == boolean.class) return Boolean.class;
        if (c == char.class) return Character.class;
        return c;
    }

    /** Converts a number to the numeric class the target asks for, or null when the target is not numeric. */
    static Object number(BigDecimal n, Class<?> target) {
        Class<?> c = boxed(target);
        if (c == Integer.class) return n.intValueExact();
        if (c == Long.class) return n.longValueExact();
        if (c == Double.class) return n.doubleValue();
        if (c == Float.class) return n.floatValue();
        if (c == Short.class) return n.shortValueExact();
        if (c == Byte.class) return n.byteValueExact();
        if (c == BigDecimal.class) return n;
        if (c == BigInteger.class) return n.toBigIntegerExact();
        if (c == Date.class) return new Date(n.longValueExact());
        return null;
    }

    /** Protobuf messages, reached by reflection so this file compiles without protobuf-java. */
    static final class Protobuf {
        private Protobuf() {}

        static boolean isMessageClass(Class<?> c) {
            for (Class<?> k = c; k != null; k = k.getSuperclass()) {
                for (Class<?> i : k.getInterfaces()) {
                    if (i.getName().equals("com.google.protobuf.Message")
                            || i.getName().equals("com.google.protobuf.MessageLite")) {
                        return true;
                    }
                }
            }
            return false;
        }

        static boolean isMessage(Object v) {
            return v != null && isMessageClass(v.getClass());
        }

        static Object toJson(Object msg) {
            try {
                Object descriptor = msg.getClass().getMethod("getDescriptorForType").invoke(msg);
                String name = (String) descriptor.getClass().getMethod("getFullName").invoke(descriptor);
                byte[] bytes = (byte[]) msg.getClass().getMethod("toByteArray").invoke(msg);
                Map<String, Object> m = tag("$proto", name);
                m.put("hex", Hex.encode(bytes));
                m.put("text", msg.toString().trim());
                return m;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot show protobuf message " + msg.getClass().getName(), e);
            }
        }

        static Object fromString(Class<?> c, String s) {
            try {
                Method of = c.getMethod("of", String.class);
                return of.invoke(null, s);
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException(c.getName() + " cannot be built from a string; use {\"$proto\"}");
            }
        }

        static Object fromJson(Map<String, Object> obj, Class<?> target) {
            Class<?> c = isMessageClass(target) ? target : null;
            if (c == null) {
                throw new IllegalArgumentException("$proto needs a declared protobuf parameter type");
            }
            try {
                return c.getMethod("parseFrom", byte[].class).invoke(null, (Object) Hex.decode((String) obj.get("hex")));
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException("cannot parse " + c.getName() + ": " + e);
            }
        }
    }
}
