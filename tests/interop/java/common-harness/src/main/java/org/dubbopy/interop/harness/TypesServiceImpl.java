package org.dubbopy.interop.harness;

import java.math.BigDecimal;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.dubbopy.interop.Color;
import org.dubbopy.interop.Person;
import org.dubbopy.interop.TypesService;

/** The Java side of {@link TypesService}: echoes, as its interface documents. */
public final class TypesServiceImpl implements TypesService {
    @Override public String echoString(String value) { return value; }
    @Override public int echoInt(int value) { return value; }
    @Override public long echoLong(long value) { return value; }
    @Override public double echoDouble(double value) { return value; }
    @Override public boolean echoBoolean(boolean value) { return value; }
    @Override public Integer echoInteger(Integer value) { return value; }
    @Override public float echoFloat(float value) { return value; }
    @Override public byte[] echoBytes(byte[] value) { return value; }
    @Override public Date echoDate(Date value) { return value; }
    @Override public BigDecimal echoDecimal(BigDecimal value) { return value; }
    @Override public Color echoColor(Color value) { return value; }
    @Override public List<String> echoStringList(List<String> value) { return value; }
    @Override public String[] echoStringArray(String[] value) { return value; }
    @Override public int[] echoIntArray(int[] value) { return value; }
    @Override public List<Map<String, Object>> echoListOfMaps(List<Map<String, Object>> value) { return value; }
    @Override public Map<String, Object> echoMap(Map<String, Object> value) { return value; }
    @Override public Person echoPerson(Person value) { return value; }
    @Override public Object echoObject(Object value) { return value; }
    @Override public Person returnNull() { return null; }
    @Override public void ping() {}
    @Override public String describe(int value) { return "int:" + value; }
    @Override public String describe(String value) { return "string:" + value; }

    @Override
    public String fail(String arg) {
        throw new IllegalStateException("boom: " + arg);
    }

    @Override
    public Map<String, Object> attachments(String responseValue) {
        Map<String, Object> seen = new HashMap<String, Object>(); // a HashMap travels as an untyped H map
        for (Map.Entry<String, Object> e : Compat.serverAttachments().entrySet()) {
            Object v = e.getValue();
            // framework-internal objects (3.x puts a TimeoutCountDown here) are not part of the contract
            if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean
                    || v instanceof Date || v instanceof byte[]) {
                seen.put(e.getKey(), v);
            }
        }
        if (responseValue != null) {
            Compat.setServerResponseAttachment("echo-response", responseValue);
        }
        return seen;
    }

    @Override
    public String sleep(int millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "slept " + millis;
    }

    @Override
    public String runtime() {
        return "java dubbo " + Compat.dubboVersion();
    }
}
