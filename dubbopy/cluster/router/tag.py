"""The built-in ``tag`` router: Dubbo's static tag routing, in every reference's router chain.

A provider is tagged by the ``dubbo.tag`` parameter of its URL (``dubbo.provider.tag=gray`` in Java,
``tag: gray`` on a dubbogo.yml service, ``?dubbo.tag=gray`` on a dubbopy protocol URL). A call asks for a
tag with the ``dubbo.tag`` attachment, else the consumer URL's ``dubbo.tag`` parameter; then, as Java's
``TagStateRouter.filterUsingStaticTag`` (3.x) and ``TagRouter`` (2.7) route when no dynamic tag rule is
set:

* a call with a tag goes to the providers with that tag; if there is none it falls back to the untagged
  providers, unless ``dubbo.force.tag`` is true (attachment, else consumer URL), when no provider is
  left and the call fails;
* a call without a tag goes only to untagged providers, so tagged (gray) instances take only the traffic
  that asks for them.

Dynamic tag rules (``{application}.tag-router`` in a config centre) are not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from dubbopy.cluster.router.base import Router
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL

__all__ = ["FORCE_TAG_KEY", "TAG_KEY", "TagRouter"]

#: The provider URL parameter, consumer URL parameter and call attachment naming a tag.
TAG_KEY: Final = "dubbo.tag"
#: Attachment or consumer URL parameter: a tagged call with no provider of its tag fails instead of
#: falling back to the untagged providers.
FORCE_TAG_KEY: Final = "dubbo.force.tag"

_URL: Final = URL("tag", "0.0.0.0", 0, "", {"router": "tag"})
_NONE: Final[Sequence[Invoker]] = ()


class TagRouter(Router):
    """See the module docstring. The providers are grouped by tag once per invoker list, so a call
    costs two dictionary look-ups and gets the same list object for the same tag every time."""

    __slots__ = ("_grouped_for", "_groups")

    def __init__(self) -> None:
        self._grouped_for: Sequence[Invoker] | None = None
        self._groups: dict[str, Sequence[Invoker]] = {}

    @property
    def url(self) -> URL:
        return _URL

    @property
    def priority(self) -> int:
        return 100  # Java 2.7's TagRouter: after condition routers of the default priority 0

    @property
    def attachment_keys(self) -> tuple[str, ...]:
        return (TAG_KEY, FORCE_TAG_KEY)

    def route(self, invokers: Sequence[Invoker], consumer_url: URL, invocation: Invocation) -> Sequence[Invoker]:
        groups = self._group(invokers)
        attachments = invocation.attachments
        tag = str(attachments.get(TAG_KEY) or "") or consumer_url.get(TAG_KEY)
        if tag:
            tagged = groups.get(tag)
            if tagged:
                return tagged
            force = attachments.get(FORCE_TAG_KEY)
            if str(consumer_url.get(FORCE_TAG_KEY) if force is None else force).lower() == "true":
                return _NONE
        return groups.get("", _NONE)

    def _group(self, invokers: Sequence[Invoker]) -> dict[str, Sequence[Invoker]]:
        if self._grouped_for is invokers:
            return self._groups
        groups: dict[str, list[Invoker]] = {}
        for invoker in invokers:
            groups.setdefault(invoker.url.get(TAG_KEY, ""), []).append(invoker)
        if list(groups) == [""]:  # nothing tagged: hand out the list itself (balancers cache by list)
            self._groups = {"": invokers}
        else:
            self._groups = dict(groups)
        self._grouped_for = invokers
        return self._groups

    def __repr__(self) -> str:
        return "TagRouter()"
