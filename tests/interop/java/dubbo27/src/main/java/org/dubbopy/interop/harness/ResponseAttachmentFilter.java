package org.dubbopy.interop.harness;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.dubbo.common.constants.CommonConstants;
import org.apache.dubbo.common.extension.Activate;
import org.apache.dubbo.rpc.Filter;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.Result;
import org.apache.dubbo.rpc.RpcException;

/**
 * Keeps the attachments of the last response on the calling thread. Dubbo 2.7.23 decodes response
 * attachments but a synchronous caller does not find them in {@code RpcContext.getServerContext()}
 * (measured: always empty, even though a 3.3 consumer receives them from the same 2.7 provider).
 */
@Activate(group = CommonConstants.CONSUMER)
public final class ResponseAttachmentFilter implements Filter {
    private static final ThreadLocal<Map<String, Object>> LAST = new ThreadLocal<Map<String, Object>>();

    @Override
    public Result invoke(Invoker<?> invoker, Invocation invocation) throws RpcException {
        Result result = invoker.invoke(invocation);
        result.whenCompleteWithContext((r, t) -> {
            if (r != null && r.getObjectAttachments() != null) {
                LAST.set(new LinkedHashMap<String, Object>(r.getObjectAttachments()));
            }
        });
        return result;
    }

    /** The attachments of the last response received on this thread (empty when none). */
    static Map<String, Object> last() {
        Map<String, Object> m = LAST.get();
        return m == null ? Collections.<String, Object>emptyMap() : m;
    }

    static void clear() {
        LAST.remove();
    }
}
