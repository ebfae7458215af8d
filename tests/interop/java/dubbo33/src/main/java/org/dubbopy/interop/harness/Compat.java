package org.dubbopy.interop.harness;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.dubbo.common.Version;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.rpc.RpcContext;

/** What differs between Dubbo 3.3 and 2.7 for the shared harness code: the 3.3 side (split RpcContext). */
final class Compat {
    private Compat() {}

    static String dubboVersion() {
        return Version.getVersion();
    }

    /** Attachments the next call on this thread sends. */
    static void setClientAttachments(Map<String, Object> attachments) {
        for (Map.Entry<String, Object> e : attachments.entrySet()) {
            RpcContext.getClientAttachment().setObjectAttachment(e.getKey(), e.getValue());
        }
    }

    /** Attachments the last response on this thread carried. */
    static Map<String, Object> clientResponseAttachments() {
        return new LinkedHashMap<String, Object>(RpcContext.getClientResponseContext().getObjectAttachments());
    }

    static void clearClientContext() {
        RpcContext.removeClientAttachment();
        RpcContext.removeClientResponseContext();
    }

    /** Attachments of the request being served (provider side). */
    static Map<String, Object> serverAttachments() {
        return RpcContext.getServerAttachment().getObjectAttachments();
    }

    /** Adds an attachment to the response being served (provider side). */
    static void setServerResponseAttachment(String key, Object value) {
        RpcContext.getServerResponseContext().setObjectAttachment(key, value);
    }

    /** Version-specific settings of a new reference (none needed on 3.3). */
    static void prepare(ReferenceConfig<?> ref) {}
}
