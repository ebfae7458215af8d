"""``python -m dubbopy.codegen``: protoc from grpcio-tools, with the dubbopy plugin ready to use.

It takes protoc's arguments and, like ``python -m grpc_tools.protoc``, adds the include path of the
well-known types (``google/protobuf/*.proto``). On top of that it

* registers ``protoc-gen-dubbopy`` running in this interpreter, so it need not be on ``PATH``;
* when ``--dubbopy_out=DIR`` is given without ``--python_out``, adds ``--python_out=DIR`` and
  ``--pyi_out=DIR``, so one command writes the messages, their type stubs and the dubbo module::

      python -m dubbopy.codegen -Iprotos --dubbopy_out=gen protos/helloworld.proto

Output flags are recognized in their ``--name_out=DIR`` spelling only.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

_PLUGIN = "protoc-gen-dubbopy"


def _out_dir(args: Sequence[str], name: str) -> str | None:
    prefix = f"--{name}_out="
    return next((arg[len(prefix) :] for arg in args if arg.startswith(prefix)), None)


def protoc_arguments(args: Sequence[str]) -> list[str]:
    """``args`` with the message outputs added when only ``--dubbopy_out=DIR`` was given."""
    result = list(args)
    out = _out_dir(args, "dubbopy")
    if out is not None and _out_dir(args, "python") is None:
        result.append(f"--python_out={out}")
        if _out_dir(args, "pyi") is None:
            result.append(f"--pyi_out={out}")
    return result


def _write_launcher(directory: str) -> str:
    """A script that runs the plugin with this interpreter and this copy of dubbopy."""
    root = str(Path(__file__).resolve().parents[2])
    code = f"import sys; sys.path.insert(0, {root!r}); from dubbopy.codegen.plugin import main; main()"
    path = os.path.join(directory, _PLUGIN)
    with open(path, "w", encoding="utf-8") as script:
        script.write(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -c {shlex.quote(code)}\n")
    os.chmod(path, stat.S_IRWXU)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run protoc with ``argv`` (default: the command line); returns protoc's exit status."""
    try:
        from grpc_tools import protoc  # noqa: PLC0415 - an optional dependency, needed only here
    except ImportError:
        print("python -m dubbopy.codegen needs grpcio-tools: pip install 'dubbopy[codegen]'", file=sys.stderr)
        return 2
    args = protoc_arguments(sys.argv[1:] if argv is None else argv)
    well_known = Path(protoc.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory(prefix="dubbopy-codegen-") as tmp:
        if os.name == "nt":  # no /bin/sh to launch through: use the installed console script
            plugin = shutil.which(_PLUGIN)
            if plugin is None:
                print(f"{_PLUGIN} is not on PATH: install dubbopy first", file=sys.stderr)
                return 2
        else:
            plugin = _write_launcher(tmp)
        return int(protoc.main(["protoc", f"--plugin={_PLUGIN}={plugin}", *args, f"-I{well_known}"]))


if __name__ == "__main__":
    sys.exit(main())
