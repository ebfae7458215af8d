"""The interface-style echo service of the dubbo-protocol peers, and the POJO they echo.

``org.dubbopy.bench.EchoService`` is what a Java interface without a .proto looks like to dubbopy::

    public interface EchoService {
        String echo(String text);   // the contract's 98-character string
        User echoUser(User user);   // a typical POJO
    }

``User`` is a typical business object: seven fields of which a nested POJO (``Address``), a list of
strings and a ``java.util.Date``. ``benchmarks/hessian.py`` times the Hessian 2 codecs on the same
value (:func:`make_user`), so the codec figures and the RPC figures speak of one payload.

This module needs dubbopy only (no generated protobuf code), so ``hessian.py`` can import it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from dubbopy import java
from dubbopy.interfaces import service
from dubbopy.serialization.hessian2 import JInt, java_class

#: 98 ASCII characters, as ``common.NAME`` (a 100-byte ``HelloRequest``); repeated here so that this
#: module does not need the generated protobuf code.
NAME = ("abcdefghijklmnopqrstuvwxyz" * 4)[:98]
SERVICE = "org.dubbopy.bench.EchoService"


@java_class("org.dubbopy.bench.Address")
@dataclass
class Address:
    """``class Address { String street; String city; String zipCode; }``."""

    street: str = ""
    city: str = ""
    zipCode: str = ""  # noqa: N815 - the Java field name


@java_class("org.dubbopy.bench.User")
@dataclass
class User:
    """``class User { long id; String name; int age; String email; Address address; List<String> tags;
    Date created; }``."""

    id: int = 0
    name: str = ""
    age: JInt = JInt(0)  # noqa: RUF009 - an immutable int marker, safe as a default
    email: str = ""
    address: Address | None = None
    tags: list[str] = field(default_factory=list)
    created: datetime.datetime | None = None


def make_user() -> User:
    """The POJO every benchmark sends: 218 bytes of Hessian 2, class definitions included."""
    return User(
        id=1_234_567_890_123,
        name="Ada Lovelace",
        age=JInt(36),
        email="ada@example.org",
        address=Address("12 St James's Square", "London", "SW1Y 4JH"),
        tags=["admin", "math", "engine"],
        created=datetime.datetime(2024, 5, 17, 9, 30, 15, 250_000, tzinfo=datetime.UTC),
    )


def make_nested_map() -> dict[str, Any]:
    """A JSON-like nested map (``Map<String, Object>`` with ``Integer`` numbers) of 116 bytes in Hessian 2."""
    return {
        "id": JInt(42),
        "name": "order-000042",
        "paid": True,
        "total": 99.5,
        "items": [
            {"sku": "A-100", "qty": JInt(2)},
            {"sku": "B-200", "qty": JInt(1)},
        ],
        "meta": {"source": "mobile-apps", "coupon": None},
    }


@service(SERVICE)
class EchoService:
    """The provider (and the consumer's typed view): every method returns its argument."""

    async def echo(self, text: java.String) -> java.String:
        """Return ``text``."""
        return text

    async def echoUser(self, user: User) -> User:
        """Return ``user``."""
        return user
