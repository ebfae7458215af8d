"""Wire protocols. Each registers itself by its Dubbo name in :data:`dubbopy.extension.protocols`."""

from __future__ import annotations

from dubbopy import extension

extension.protocols.register_lazy("tri", "dubbopy.protocol.triple.protocol:TripleProtocol", replace=True)
extension.protocols.register_lazy("dubbo", "dubbopy.protocol.dubbo.protocol:DubboProtocol", replace=True)
