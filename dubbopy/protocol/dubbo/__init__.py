"""The Dubbo protocol (``dubbo://``): 16-byte framed requests over TCP, Hessian2 bodies.

Layers, bottom up (``spec/dubbo-protocol.md``):

* ``frames`` — the header and the incremental frame decoder (sans-IO);
* ``descriptor`` — JVM parameter descriptors; ``serialization`` — body formats by id;
* ``codec`` — request, response and event bodies (sans-IO);
* ``connection``, ``client``, ``server`` — the asyncio exchange: request ids, timeouts, heartbeats;
* ``service``, ``provider`` — Java interfaces implemented in Python, and the invoker that runs them;
* ``invoker``, ``generic`` — the consumer invoker and generic calls (``$invoke``, ``$echo``);
* ``protocol`` — :class:`~dubbopy.protocol.dubbo.protocol.DubboProtocol`, registered as ``dubbo`` in
  :data:`dubbopy.extension.protocols`.
"""
