"""The names of the built-in services, for code that must tell them from user services."""

from __future__ import annotations

from typing import Final

HEALTH_SERVICE: Final = "grpc.health.v1.Health"
REFLECTION_SERVICES: Final = ("grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection")
