"""Services every Triple server carries besides the user's: gRPC health checking and server reflection.

* :mod:`dubbopy.services.health` — ``grpc.health.v1.Health`` (Check, List, Watch).
* :mod:`dubbopy.services.reflection` — ``grpc.reflection.v1.ServerReflection`` and its predecessor
  ``grpc.reflection.v1alpha.ServerReflection``, which grpcurl, Postman and grpcui use to discover services.

Their .proto sources are in ``dubbopy/services/protos`` and the generated modules in
``dubbopy/services/_proto`` (``scripts/gen-protos.sh``).
"""

from __future__ import annotations

from dubbopy.services.health import HEALTH_SERVICE, HealthServicer, ServingStatus
from dubbopy.services.reflection import (
    REFLECTION_V1_SERVICE,
    REFLECTION_V1ALPHA_SERVICE,
    ReflectionServicer,
)

__all__ = [
    "HEALTH_SERVICE",
    "REFLECTION_V1ALPHA_SERVICE",
    "REFLECTION_V1_SERVICE",
    "HealthServicer",
    "ReflectionServicer",
    "ServingStatus",
]
