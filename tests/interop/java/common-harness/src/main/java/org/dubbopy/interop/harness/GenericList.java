package org.dubbopy.interop.harness;

import java.util.ArrayList;

/** A typed Hessian list kept as written: its type name (a collection class, or an array type) and its order. */
public final class GenericList extends ArrayList<Object> {
    private static final long serialVersionUID = 1L;

    public final String type;

    public GenericList(String type) {
        // interned: hessian-lite's Hessian2Output finds class definitions by the name's identity
        this.type = type == null ? null : type.intern();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenericList && type.equals(((GenericList) o).type) && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + type.hashCode();
    }
}
