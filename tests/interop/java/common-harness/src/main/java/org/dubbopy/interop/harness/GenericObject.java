package org.dubbopy.interop.harness;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An object of a class this JVM does not have: its Java class name and its fields in wire order. The
 * hessian-lite checker decodes unknown classes into it and writes it back as the same class definition.
 */
public final class GenericObject implements Serializable {
    private static final long serialVersionUID = 1L;

    public final String className;
    public final Map<String, Object> fields = new LinkedHashMap<String, Object>();

    public GenericObject(String className) {
        // interned: hessian-lite's Hessian2Output finds class definitions by the name's identity
        this.className = className.intern();
    }

    @Override
    public String toString() {
        return className + fields;
    }
}
