package org.dubbopy.interop;

/** An enum carried inside {@link Person}: Hessian writes it as an object with one field, {@code name}. */
public enum Color {
    RED,
    GREEN,
    BLUE
}
