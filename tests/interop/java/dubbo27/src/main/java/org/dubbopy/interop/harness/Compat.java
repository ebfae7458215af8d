package org.dubbopy.interop.harness;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.dubbo.common.Version;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.rpc.RpcContext;

/**
 * What differs between Dubbo 3.3 and 2.7 for the shared harness code: the 2.7 side, where one thread-local
 * RpcContext carries outgoing attachments and a "server context" carries the response's.
 */
final class Compat {
    private Compat() {}

    static String dubboVersion() {
        return Version.getVersion();
    }

    /** Attachments the next call on this thread sends. */
    static void setClientAttachments(Map<String, Object> attachments) {
        for (Map.Entry<String, Object> e : attachments.entrySet()) {
            RpcContext.getContext().setObjectAttachment(e.getKey(), e.getValue());
        }
    }

    /** Attachments the last response on this thread carried. */
    static Map<String, Object> clientResponseAttachments() {
        // RpcContext.getServerContext() stays empty after a synchronous 2.7 call: see ResponseAttachmentFilter
        return new LinkedHashMap<String, Object>(ResponseAttachmentFilter.last());
    }

    static void clearClientContext() {
        RpcContext.removeContext();
        RpcContext.removeServerContext();
        ResponseAttachmentFilter.clear();
    }

    /** Attachments of the request being served (provider side). */
    static Map<String, Object> serverAttachments() {
        return RpcContext.getContext().getObjectAttachments();
    }

    /** Adds an attachment to the response being served (provider side). */
    static void setServerResponseAttachment(String key, Object value) {
        RpcContext.getServerContext().setObjectAttachment(key, value);
    }

    /** Version-specific settings of a new reference (none needed on 2.7). */
    static void prepare(ReferenceConfig<?> ref) {}
}
