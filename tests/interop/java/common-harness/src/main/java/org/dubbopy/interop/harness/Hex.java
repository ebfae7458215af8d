package org.dubbopy.interop.harness;

/** Lower-case hex for byte arrays (whitespace in the input is ignored). */
public final class Hex {
    private Hex() {}

    public static String encode(byte[] data) {
        StringBuilder b = new StringBuilder(data.length * 2);
        for (byte x : data) {
            b.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return b.toString();
    }

    public static byte[] decode(String hex) {
        String h = hex.replaceAll("\\s+", "");
        if (h.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits");
        }
        byte[] out = new byte[h.length() / 2];
        for (int k = 0; k < out.length; k++) {
            int hi = Character.digit(h.charAt(2 * k), 16);
            int lo = Character.digit(h.charAt(2 * k + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("not a hex digit near offset " + 2 * k);
            }
            out[k] = (byte) ((hi << 4) | lo);
        }
        return out;
    }
}
