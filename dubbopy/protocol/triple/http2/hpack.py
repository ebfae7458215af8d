"""HPACK (RFC 7541) header compression, tuned for the repetitive header blocks of RPC traffic.

The decoder is complete (indexed fields, the three literal kinds, Huffman strings, dynamic table
size updates) and bounds what a peer can make it hold: the table by our advertised size, the decoded
list by ``max_header_list_size``. The encoder indexes stable fields into the dynamic table and sends
volatile ones (``grpc-timeout``, ``grpc-message``, binary metadata) as literals without indexing, so
after the first call of a kind every stable field is a one- or two-byte index. Both sides cache per
field: the work per call is a few dict look-ups.

Huffman decoding uses the ``hpack`` package's table-driven decoder (a dependency of ``h2``); our
encoder never Huffman-encodes (allowed by RFC 7541 §5.2; costs a few bytes, saves CPU).
"""

from __future__ import annotations

from collections import deque

from hpack.huffman_table import decode_huffman
from hpack.table import HeaderTable

from dubbopy.errors import ProtocolError

Header = tuple[bytes, bytes]

STATIC_TABLE: tuple[Header, ...] = tuple(HeaderTable.STATIC_TABLE)
_STATIC_LEN = len(STATIC_TABLE)
_STATIC_FULL: dict[Header, int] = {}
_STATIC_NAME: dict[bytes, int] = {}
for _i, (_n, _v) in enumerate(STATIC_TABLE, start=1):
    _STATIC_FULL.setdefault((_n, _v), _i)
    _STATIC_NAME.setdefault(_n, _i)

DEFAULT_TABLE_SIZE = 4096
_ENTRY_OVERHEAD = 32
#: the Huffman cache keeps short strings only, so a peer sending many distinct long values cannot make
#: it hold more than about ``_HUFFMAN_CACHE_ENTRIES * 2.6 * _HUFFMAN_CACHE_MAX_LEN`` bytes
_HUFFMAN_CACHE_ENTRIES = 4096
_HUFFMAN_CACHE_MAX_LEN = 256

#: fields whose values change per call or are sensitive: never put in the dynamic table
VOLATILE = frozenset({b"grpc-timeout", b"grpc-message", b"grpc-status-details-bin", b"content-length", b"date"})


class HPACKError(ProtocolError):
    """A header block could not be decoded (a COMPRESSION_ERROR connection error)."""


class HeaderListTooLarge(ProtocolError):  # noqa: N818 - reads as the condition it reports
    """The decoded header list exceeds the limit we advertised (a stream-level refusal)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"header list of {size} bytes exceeds the limit of {limit} bytes")
        self.size = size
        self.limit = limit


def encode_integer(value: int, prefix_bits: int, first: int = 0) -> bytes:
    """RFC 7541 §5.1 integer with an N-bit prefix; ``first`` holds the pattern bits above the prefix."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes((first | value,))
    out = bytearray((first | limit,))
    value -= limit
    while value >= 128:
        out.append((value & 127) | 128)
        value >>= 7
    out.append(value)
    return bytes(out)


_INDEXED = tuple(bytes((0x80 | i,)) for i in range(127))


def _indexed(index: int) -> bytes:
    return _INDEXED[index] if index < 127 else encode_integer(index, 7, 0x80)


def _string(data: bytes) -> bytes:
    return encode_integer(len(data), 7) + data


class _DynamicTable:
    """The dynamic table: newest entry first (index 62 is the newest)."""

    __slots__ = ("entries", "max_size", "size")

    def __init__(self, max_size: int) -> None:
        self.entries: deque[Header] = deque()
        self.size = 0
        self.max_size = max_size

    def add(self, name: bytes, value: bytes) -> None:
        entry_size = len(name) + len(value) + _ENTRY_OVERHEAD
        if entry_size > self.max_size:
            self.entries.clear()
            self.size = 0
            return
        self.entries.appendleft((name, value))
        self.size += entry_size
        self._evict()

    def resize(self, max_size: int) -> None:
        self.max_size = max_size
        self._evict()

    def _evict(self) -> None:
        entries = self.entries
        while self.size > self.max_size and entries:
            name, value = entries.pop()
            self.size -= len(name) + len(value) + _ENTRY_OVERHEAD


class Decoder:
    """Decodes header blocks. ``max_table_size`` is our SETTINGS_HEADER_TABLE_SIZE."""

    def __init__(self, max_table_size: int = DEFAULT_TABLE_SIZE, max_header_list_size: int = 1 << 20) -> None:
        self._table = _DynamicTable(max_table_size)
        self._settings_max = max_table_size
        self.max_header_list_size = max_header_list_size
        self._huffman_cache: dict[bytes, bytes] = {}

    def _get(self, index: int) -> Header:
        if 0 < index <= _STATIC_LEN:
            return STATIC_TABLE[index - 1]
        try:
            if index <= 0:
                raise IndexError
            return self._table.entries[index - _STATIC_LEN - 1]
        except IndexError:
            raise HPACKError(f"HPACK index {index} refers to no table entry") from None

    def decode(self, data: bytes) -> list[Header]:
        """Decode one complete header block.

        Raises :class:`HPACKError` for malformed input (the connection must then be closed) and
        :class:`HeaderListTooLarge` after decoding a block whose fields exceed the list limit (the table
        stays in sync, so the connection can go on).
        """
        headers: list[Header] = []
        append = headers.append
        pos = 0
        end = len(data)
        list_size = 0
        table = self._table
        try:
            while pos < end:
                byte = data[pos]
                if byte & 0x80:  # indexed field
                    index = byte & 0x7F
                    pos += 1
                    if index == 0x7F:
                        index, pos = self._integer(data, pos, index)
                    header = self._get(index)
                elif byte & 0x40:  # literal with incremental indexing
                    index = byte & 0x3F
                    pos += 1
                    if index == 0x3F:
                        index, pos = self._integer(data, pos, index)
                    header, pos = self._literal(data, pos, index)
                    table.add(header[0], header[1])
                elif byte & 0x20:  # dynamic table size update
                    if headers:
                        # RFC 7541 §4.2: only at the beginning of a header block
                        raise HPACKError("HPACK dynamic table size update after a header field")
                    size = byte & 0x1F
                    pos += 1
                    if size == 0x1F:
                        size, pos = self._integer(data, pos, size)
                    if size > self._settings_max:
                        raise HPACKError(f"HPACK table size update to {size} exceeds {self._settings_max}")
                    table.resize(size)
                    continue
                else:  # literal without indexing (0000) or never indexed (0001)
                    index = byte & 0x0F
                    pos += 1
                    if index == 0x0F:
                        index, pos = self._integer(data, pos, index)
                    header, pos = self._literal(data, pos, index)
                append(header)
                list_size += len(header[0]) + len(header[1]) + _ENTRY_OVERHEAD
        except IndexError:
            raise HPACKError("HPACK block truncated") from None
        if list_size > self.max_header_list_size:
            raise HeaderListTooLarge(list_size, self.max_header_list_size)
        return headers

    @staticmethod
    def _integer(data: bytes, pos: int, value: int) -> tuple[int, int]:
        shift = 0
        while True:
            byte = data[pos]
            pos += 1
            value += (byte & 0x7F) << shift
            if not byte & 0x80:
                return value, pos
            shift += 7
            if shift > 28:
                raise HPACKError("HPACK integer too large")

    def _literal(self, data: bytes, pos: int, index: int) -> tuple[Header, int]:
        if index:
            name = self._get(index)[0]
        else:
            name, pos = self._read_string(data, pos)
        value, pos = self._read_string(data, pos)
        return (name, value), pos

    def _read_string(self, data: bytes, pos: int) -> tuple[bytes, int]:
        byte = data[pos]
        length = byte & 0x7F
        pos += 1
        if length == 0x7F:
            length, pos = self._integer(data, pos, length)
        end = pos + length
        if end > len(data):
            raise HPACKError("HPACK string runs past the end of the block")
        raw = data[pos:end]
        if byte & 0x80:
            cache = self._huffman_cache
            text = cache.get(raw)
            if text is None:
                try:
                    text = decode_huffman(raw)
                except Exception as exc:
                    raise HPACKError(f"invalid Huffman string: {exc}") from None
                if len(cache) < _HUFFMAN_CACHE_ENTRIES and length <= _HUFFMAN_CACHE_MAX_LEN:
                    cache[raw] = text
            return text, end
        return raw, end


class Encoder:
    """Encodes header lists; see the module docstring for the indexing policy."""

    def __init__(self) -> None:
        self._table = _DynamicTable(DEFAULT_TABLE_SIZE)
        #: (name, value) -> absolute insertion number, to compute the current index
        self._inserted: dict[Header, int] = {}
        self._insertions = 0
        self._pending_size_update: int | None = None
        #: the smallest size since the last block, when below the pending one (RFC 7541 §4.2)
        self._pending_min_size: int | None = None

    def set_max_table_size(self, size: int) -> None:
        """The peer's SETTINGS_HEADER_TABLE_SIZE changed: shrink (never grow past 4096) and signal it.

        If the size changes several times before the next block, that block signals the smallest size
        reached and then the final one (RFC 7541 §4.2), so the peer's decoder evicts what we evicted.
        """
        new = min(size, DEFAULT_TABLE_SIZE)
        if new != self._table.max_size:
            pending = self._pending_size_update
            if pending is not None:
                low = pending if self._pending_min_size is None else min(pending, self._pending_min_size)
                self._pending_min_size = low if low < new else None
            self._table.resize(new)
            self._forget_evicted()
            self._pending_size_update = new

    def _forget_evicted(self) -> None:
        live = set(self._table.entries)
        for key in [k for k in self._inserted if k not in live]:
            del self._inserted[key]

    def _index_of(self, header: Header) -> int:
        number = self._inserted.get(header)
        if number is None:
            return 0
        position = self._insertions - number  # 0 for the newest
        if position >= len(self._table.entries):
            del self._inserted[header]
            return 0
        return _STATIC_LEN + 1 + position

    def encode(self, headers: list[Header] | tuple[Header, ...]) -> bytes:
        """Encode one header block (names must already be lower-case bytes)."""
        parts: list[bytes] = []
        if self._pending_size_update is not None:
            if self._pending_min_size is not None:
                parts.append(encode_integer(self._pending_min_size, 5, 0x20))
                self._pending_min_size = None
            parts.append(encode_integer(self._pending_size_update, 5, 0x20))
            self._pending_size_update = None
        table = self._table
        for header in headers:
            index = _STATIC_FULL.get(header)
            if index is not None:
                parts.append(_INDEXED[index])
                continue
            index = self._index_of(header)
            if index:
                parts.append(_indexed(index))
                continue
            name, value = header
            name_index = _STATIC_NAME.get(name, 0)
            entry_size = len(name) + len(value) + _ENTRY_OVERHEAD
            if name in VOLATILE or name.endswith(b"-bin") or entry_size > table.max_size // 4:
                prefix = encode_integer(name_index, 4, 0x00)
            else:
                prefix = encode_integer(name_index, 6, 0x40)
                evictions_before = len(table.entries)
                table.add(name, value)
                self._insertions += 1
                self._inserted[header] = self._insertions
                if len(table.entries) <= evictions_before:
                    self._forget_evicted()
            parts.append(prefix if name_index else prefix + _string(name))
            parts.append(_string(value))
        return b"".join(parts)
