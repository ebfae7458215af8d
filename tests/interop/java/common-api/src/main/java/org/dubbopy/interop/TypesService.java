package org.dubbopy.interop;

import java.math.BigDecimal;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * The service the interop tests call in both directions (Java consumer to Python provider and the reverse).
 * Every method's behaviour is fixed here so that a Python implementation can match it exactly.
 */
public interface TypesService {
    /** Returns the argument. */
    String echoString(String value);

    /** Returns the argument (descriptor {@code I}). */
    int echoInt(int value);

    /** Returns the argument (descriptor {@code J}). */
    long echoLong(long value);

    /** Returns the argument (descriptor {@code D}). */
    double echoDouble(double value);

    /** Returns the argument (descriptor {@code Z}). */
    boolean echoBoolean(boolean value);

    /** Returns the argument (descriptor {@code Ljava/lang/Integer;}: boxed, may be null). */
    Integer echoInteger(Integer value);

    /** Returns the argument (descriptor {@code F}: travels as a Hessian double). */
    float echoFloat(float value);

    /** Returns the argument (Hessian binary). */
    byte[] echoBytes(byte[] value);

    /** Returns the argument. */
    Date echoDate(Date value);

    /** Returns the argument. */
    BigDecimal echoDecimal(BigDecimal value);

    /** Returns the argument. */
    Color echoColor(Color value);

    /** Returns the argument. */
    List<String> echoStringList(List<String> value);

    /** Returns the argument (Hessian typed list {@code [string}). */
    String[] echoStringArray(String[] value);

    /** Returns the argument (Hessian typed list {@code [int}). */
    int[] echoIntArray(int[] value);

    /** Returns the argument. */
    List<Map<String, Object>> echoListOfMaps(List<Map<String, Object>> value);

    /** Returns the argument. */
    Map<String, Object> echoMap(Map<String, Object> value);

    /** Returns the argument: a POJO with a nested POJO, an enum, a Date, a BigDecimal and a List. */
    Person echoPerson(Person value);

    /** Returns the argument, whatever it is (descriptor {@code Ljava/lang/Object;}). */
    Object echoObject(Object value);

    /** Always returns null (response kind "null value"). */
    Person returnNull();

    /** Does nothing (a void method: response kind "null value"). */
    void ping();

    /** Overload 1 of 2 (descriptor {@code I}): returns {@code "int:" + value}. */
    String describe(int value);

    /** Overload 2 of 2 (descriptor {@code Ljava/lang/String;}): returns {@code "string:" + value}. */
    String describe(String value);

    /** Throws {@code IllegalStateException("boom: " + arg)}. */
    String fail(String arg);

    /**
     * Returns the attachments this call carried (as the provider's RPC context sees them, so Dubbo's own
     * keys such as path/interface/version/timeout are filtered out by the framework), and sets the response
     * attachment {@code "echo-response"} to {@code responseValue} when it is not null.
     */
    Map<String, Object> attachments(String responseValue);

    /** Sleeps {@code millis} ms, then returns {@code "slept " + millis}. For timeouts. */
    String sleep(int millis);

    /** Names the runtime that answered, e.g. {@code "java dubbo 3.3.6"} or {@code "python dubbopy"}. */
    String runtime();
}
