"""Generic invocation ($invoke, $invokeAsync) and $echo, consumer and provider side."""

from __future__ import annotations

import pytest
from dubbo_support import SERVICE, invoke

from dubbopy.errors import RemoteError, RpcError, StatusCode
from dubbopy.protocol.dubbo.generic import GenericService
from dubbopy.rpc.invoker import Invoker


@pytest.fixture
def generic(invoker: Invoker) -> GenericService:
    return GenericService(invoker, SERVICE, timeout=10)


async def test_invoke_by_name_types_and_args(generic: GenericService) -> None:
    assert await generic.invoke("sayHi", ["java.lang.String"], ["world"]) == "hi, world"
    assert await generic.invoke_async("sayHi", ["java.lang.String"], ["async"]) == "hi, async"


async def test_generic_call_picks_the_overload_from_the_type_names(generic: GenericService) -> None:
    assert await generic.invoke("add", ["int", "int"], [1, 2]) == 3
    assert await generic.invoke("add", ["long", "long"], [1, 2]) == "long:3"


async def test_types_may_be_omitted_when_the_name_and_arity_are_unambiguous(generic: GenericService) -> None:
    assert await generic.invoke("sayHi", [], ["x"]) == "hi, x"
    with pytest.raises(RpcError, match="ambiguous") as info:
        await generic.invoke("add", [], [1, 2])
    assert info.value.status is StatusCode.UNIMPLEMENTED


async def test_pojo_as_map_is_realized_and_the_result_generalized(generic: GenericService) -> None:
    user = {"class": "org.dubbopy.test.User", "name": "ann", "age": 41}
    result = await generic.invoke("older", ["org.dubbopy.test.User"], [user])
    assert result == {"class": "org.dubbopy.test.User", "name": "ann", "age": 42}


async def test_pojo_map_without_class_uses_the_declared_type(generic: GenericService) -> None:
    result = await generic.invoke("older", ["org.dubbopy.test.User"], [{"name": "bob", "age": 1}])
    assert result["age"] == 2


async def test_generic_failure_unwraps_the_generic_exception(generic: GenericService) -> None:
    with pytest.raises(RemoteError) as info:
        await generic.invoke("failJava", ["java.lang.String"], ["boom"])
    assert (info.value.class_name, info.value.message) == ("java.lang.IllegalStateException", "boom")
    cause = info.value.__cause__
    assert getattr(cause, "class_name", None) == "com.alibaba.dubbo.rpc.service.GenericException"


async def test_generic_call_of_an_unknown_method(generic: GenericService) -> None:
    with pytest.raises(RpcError) as info:
        await generic.invoke("nope", ["java.lang.String"], ["x"])
    assert info.value.status is StatusCode.UNIMPLEMENTED
    assert "no method 'nope'" in info.value.message


async def test_unsupported_generic_mode_is_refused(invoker: Invoker) -> None:
    from dubbopy.protocol.dubbo.descriptor import GENERIC_PARAMETER_TYPES

    result = await invoke(
        invoker,
        "$invoke",
        GENERIC_PARAMETER_TYPES,
        ["sayHi", ["java.lang.String"], ["x"]],
        attachments={"generic": "nativejava"},
    )
    assert isinstance(result.exception, RpcError)
    assert "generic='nativejava' is not supported" in result.exception.message


async def test_echo(generic: GenericService) -> None:
    assert await generic.echo("OK") == "OK"
    assert await generic.echo({"a": [1, 2]}) == {"a": [1, 2]}
