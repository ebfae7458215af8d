"""Python source text for generated modules: indentation, line fitting and docstrings.

Generated code is meant to be read, and to stay unchanged under ``ruff format`` (at ``LINE_LENGTH``): a
bracketed list goes on one line when it fits, else (for calls) on one indented line of its own as the
formatter would put it, else one item per line with a trailing comma, which the formatter keeps.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

LINE_LENGTH = 120  # ruff line-length in pyproject.toml
_INDENT = "    "


def _escape_docstring(text: str) -> str:
    """Make ``text`` safe between triple quotes: no escapes, no early end of the string."""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"'):
        text = text[:-1] + '\\"'
    return text


def clean_comment(comment: str) -> str:
    """A .proto comment as protoc reports it (one leading space per line, a final newline) turned into
    docstring text: common indentation removed, trailing spaces and outer blank lines dropped."""
    lines = comment.splitlines()
    if lines and lines[0].strip() == "*":  # what protoc leaves of a Javadoc-style ``/**`` opener
        lines.pop(0)
    lines = [line.rstrip() for line in textwrap.dedent("\n".join(lines)).splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _union_parts(text: str, length: int) -> list[str]:
    """``text`` split at its top-level ``|`` when ``length`` (its line's length) is over the limit."""
    if length <= LINE_LENGTH:
        return [text]
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


class SourceWriter:
    """Accumulates lines of Python source at the current indentation."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._depth = 0

    @property
    def _prefix(self) -> str:
        return _INDENT * self._depth

    def line(self, text: str = "") -> None:
        """Add one line (an empty ``text`` adds a blank line, without indentation)."""
        self._lines.append(self._prefix + text if text else "")

    def blank(self, count: int = 1) -> None:
        """Add ``count`` blank lines."""
        self._lines.extend([""] * count)

    @contextmanager
    def indented(self) -> Iterator[None]:
        """Lines added inside the ``with`` block are indented one level deeper."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def bracketed(
        self, head: str, items: Sequence[str], tail: str = "", *, brackets: str = "()", hug: bool = False
    ) -> None:
        """``head(item, item)tail`` on one line if it fits; else, with ``hug``, the items on one line of
        their own if that fits; else one item per line with a trailing comma."""
        opening, closing = brackets[0], brackets[1]
        joined = ", ".join(items)
        if len(f"{self._prefix}{head}{opening}{joined}{closing}{tail}") <= LINE_LENGTH:
            self.line(f"{head}{opening}{joined}{closing}{tail}")
            return
        if hug and len(self._prefix) + len(_INDENT) + len(joined) <= LINE_LENGTH:
            self.line(head + opening)
            with self.indented():
                self.line(joined)
            self.line(closing + tail)
            return
        self.line(head + opening)
        with self.indented():
            for item in items:
                self.line(item + ",")
        self.line(closing + tail)

    def signature(self, head: str, params: Sequence[str], returns: str) -> None:
        """``def`` line(s) ending in ``-> returns:``, split as ``ruff format`` would when too long: one
        parameter per line, a union too long for its line broken before each ``|``."""
        if len(f"{self._prefix}{head}({', '.join(params)}) -> {returns}:") <= LINE_LENGTH:
            self.line(f"{head}({', '.join(params)}) -> {returns}:")
            return
        self.line(head + "(")
        with self.indented():
            for param in params:
                first, *rest = _union_parts(param, len(self._prefix) + len(param) + 1)
                self.line(first)
                for part in rest:
                    self.line("| " + part)
                self._lines[-1] += ","
        if len(f"{self._prefix}) -> {returns}:") <= LINE_LENGTH:
            self.line(f") -> {returns}:")
            return
        first, *rest = _union_parts(returns, LINE_LENGTH + 1)
        self.line(") -> (")
        with self.indented():
            self.line(first)
            for part in rest:
                self.line("| " + part)
        self.line("):")

    def import_from(self, module: str, names: Sequence[str]) -> None:
        """``from module import a, b``, parenthesized one name per line if it does not fit."""
        one_line = f"{self._prefix}from {module} import {', '.join(names)}"
        if len(one_line) <= LINE_LENGTH:
            self._lines.append(one_line)
        else:
            self.bracketed(f"from {module} import ", names)

    def docstring(self, comment: str, generated: str = "") -> None:
        """A docstring: ``comment`` (from the .proto) as it is, then ``generated`` prose refilled to the
        line length, separated by a blank line when both are there."""
        width = LINE_LENGTH - len(self._prefix) - 6  # room for the quotes of a one-line docstring
        prose = [
            textwrap.fill(paragraph, width, break_long_words=False, break_on_hyphens=False)
            for paragraph in generated.split("\n\n")
            if paragraph
        ]
        lines = _escape_docstring("\n\n".join([comment, *prose] if comment else prose)).splitlines()
        if len(lines) == 1:  # the closing quotes stay on the line, as ruff format keeps them
            self.line(f'"""{lines[0]}"""')
            return
        self.line(f'"""{lines[0]}')
        for line in lines[1:]:
            self.line(line)
        self.line('"""')

    def text(self) -> str:
        """The source written so far, ending with a newline."""
        return "\n".join(self._lines).rstrip("\n") + "\n"
