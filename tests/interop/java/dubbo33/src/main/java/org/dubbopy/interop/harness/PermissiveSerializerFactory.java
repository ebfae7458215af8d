package org.dubbopy.interop.harness;

import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.alibaba.com.caucho.hessian.io.AbstractDeserializer;
import com.alibaba.com.caucho.hessian.io.AbstractHessianInput;
import com.alibaba.com.caucho.hessian.io.AbstractHessianOutput;
import com.alibaba.com.caucho.hessian.io.AbstractSerializer;
import com.alibaba.com.caucho.hessian.io.AbstractSerializerFactory;
import com.alibaba.com.caucho.hessian.io.Deserializer;
import com.alibaba.com.caucho.hessian.io.HessianProtocolException;
import com.alibaba.com.caucho.hessian.io.Serializer;
import com.alibaba.com.caucho.hessian.io.SerializerFactory;

/**
 * A hessian-lite SerializerFactory for the cross-check: every class may be read (no allow-list, no
 * Serializable requirement), and a type name this JVM has no class for is kept instead of being dropped:
 * objects become {@link GenericObject}, typed lists (and arrays of unknown classes) {@link GenericList},
 * typed maps {@link GenericMap}. Those three are written back with the same type names and field order.
 *
 * <p>In wire mode ({@code wire = true}) every map and every typed collection is read into a GenericMap or
 * GenericList too, even when the class exists here, so entry order and type names stay as written (a Java
 * HashMap, HashSet or TreeMap would reorder them). Arrays, objects and everything else are hessian-lite's.
 */
public final class PermissiveSerializerFactory extends SerializerFactory {
    private final boolean wire;
    private final Map<String, Deserializer> generic = new ConcurrentHashMap<String, Deserializer>();
    private final Deserializer untypedMap = new GenericDeserializer(null);

    public PermissiveSerializerFactory(boolean wire) {
        super(PermissiveSerializerFactory.class.getClassLoader());
        this.wire = wire;
        setAllowNonSerializable(true);
        getClassFactory().allow("*");
        addFactory(new GenericSerializers());
    }

    @Override
    public Deserializer getDeserializer(String type) throws HessianProtocolException {
        if (type == null || type.isEmpty()) {
            return super.getDeserializer(type);
        }
        if (known(type) && !(wire && collectionOrMap(type))) {
            return super.getDeserializer(type);
        }
        Deserializer d = generic.get(type);
        if (d == null) {
            d = new GenericDeserializer(type);
            generic.put(type, d);
        }
        return d;
    }

    @Override
    public Deserializer getDeserializer(Class cl) throws HessianProtocolException {
        if (wire && (cl == Map.class || cl == HashMap.class)) {
            return untypedMap; // an H map, read in wire order
        }
        return super.getDeserializer(cl);
    }

    @Override
    public Deserializer getListDeserializer(String type, Class cl) throws HessianProtocolException {
        Deserializer d = getListDeserializer(type);
        if (d instanceof GenericDeserializer && (cl == null || cl.isAssignableFrom(GenericList.class))) {
            return d; // e.g. a Throwable's List field holding a typed Collections$EmptyList
        }
        return super.getListDeserializer(type, cl);
    }

    @Override
    public Deserializer getObjectDeserializer(String type, Class cl) throws HessianProtocolException {
        Deserializer d = getObjectDeserializer(type);
        if (d instanceof GenericDeserializer && (cl == null || cl.isAssignableFrom(GenericObject.class))) {
            return d;
        }
        return super.getObjectDeserializer(type, cl);
    }

    private static boolean collectionOrMap(String type) {
        Class<?> c = type.startsWith("[") ? null : Tagged.classFor(type);
        return c != null && (Collection.class.isAssignableFrom(c) || Map.class.isAssignableFrom(c));
    }

    /** True when the type (after stripping array brackets) names a Hessian basic type or a class here. */
    private static boolean known(String type) {
        String base = type;
        while (base.startsWith("[")) {
            base = base.substring(1);
        }
        return !base.isEmpty() && Tagged.classFor(base) != null;
    }

    /** Reads an unknown type as a GenericObject, GenericList or GenericMap, whichever the wire holds. */
    private static final class GenericDeserializer extends AbstractDeserializer {
        private final String type;

        GenericDeserializer(String type) {
            this.type = type;
        }

        @Override
        public Object readList(AbstractHessianInput in, int length) throws IOException {
            GenericList list = new GenericList(type);
            in.addRef(list);
            if (length >= 0) {
                for (int k = 0; k < length; k++) {
                    list.add(in.readObject());
                }
            } else {
                while (!in.isEnd()) {
                    list.add(in.readObject());
                }
                in.readEnd();
            }
            return list;
        }

        @Override
        public Object readLengthList(AbstractHessianInput in, int length) throws IOException {
            return readList(in, length);
        }

        @Override
        public Object readMap(AbstractHessianInput in) throws IOException {
            GenericMap map = new GenericMap(type);
            in.addRef(map);
            while (!in.isEnd()) {
                Object key = in.readObject();
                map.put(key, in.readObject());
            }
            in.readEnd();
            return map;
        }

        @Override
        public Object readObject(AbstractHessianInput in, Object[] fields) throws IOException {
            GenericObject obj = new GenericObject(type);
            in.addRef(obj);
            for (Object name : fields) {
                obj.fields.put((String) name, in.readObject());
            }
            return obj;
        }
    }

    /** Writes the three generic holders back in their wire form. */
    private static final class GenericSerializers extends AbstractSerializerFactory {
        private final Serializer object = new AbstractSerializer() {
            @Override
            public void writeObject(Object o, AbstractHessianOutput out) throws IOException {
                if (out.addRef(o)) {
                    return;
                }
                GenericObject g = (GenericObject) o;
                if (out.writeObjectBegin(g.className) == -1) {
                    out.writeClassFieldLength(g.fields.size());
                    for (String name : g.fields.keySet()) {
                        out.writeString(name);
                    }
                    out.writeObjectBegin(g.className);
                }
                for (Object v : g.fields.values()) {
                    out.writeObject(v);
                }
            }
        };

        private final Serializer list = new AbstractSerializer() {
            @Override
            public void writeObject(Object o, AbstractHessianOutput out) throws IOException {
                if (out.addRef(o)) {
                    return;
                }
                GenericList l = (GenericList) o;
                boolean variable = out.writeListBegin(l.size(), l.type);
                for (Object v : l) {
                    out.writeObject(v);
                }
                if (variable) {
                    out.writeListEnd();
                }
            }
        };

        private final Serializer map = new AbstractSerializer() {
            @Override
            public void writeObject(Object o, AbstractHessianOutput out) throws IOException {
                if (out.addRef(o)) {
                    return;
                }
                GenericMap m = (GenericMap) o;
                out.writeMapBegin(m.type);
                for (Map.Entry<Object, Object> e : m.entrySet()) {
                    out.writeObject(e.getKey());
                    out.writeObject(e.getValue());
                }
                out.writeMapEnd();
            }
        };

        @Override
        public Serializer getSerializer(Class cl) {
            if (cl == GenericObject.class) {
                return object;
            }
            if (cl == GenericList.class) {
                return list;
            }
            if (cl == GenericMap.class) {
                return map;
            }
            return null;
        }

        @Override
        public Deserializer getDeserializer(Class cl) {
            return null;
        }
    }
}
