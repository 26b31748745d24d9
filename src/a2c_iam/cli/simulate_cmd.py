"""``a2c-iam simulate INPUT [--batch]`` (contract in DESIGN.md).

Batch mode streams: one line in, one line out (written as soon as it is decided), constant
memory. A malformed line yields an ``{"error": …, "line": N}`` object in its place, so output lines
stay aligned with the input's non-blank lines (blank lines are skipped), and the command exits 2
at the end. The throughput goes to standard error: a summary at the end, and every second while
standard error is a terminal.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import stat
import sys
import time
from typing import IO

from .io import InputError, err, out, read_text


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "simulate",
        help="evaluate a request against policies, as AWS would",
        description="Read one JSON object (request + policies) and print the decision as JSON. "
        "With --batch, read JSON Lines and write one decision per line.",
    )
    p.add_argument("input", help="a JSON file, or - for standard input")
    p.add_argument("--batch", action="store_true", help="JSON Lines in, one decision per line out")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..policy.simulate import SimulateInputError, Simulator, load_input

    if args.batch:
        return _batch(args.input)
    simulator = Simulator()
    try:
        result = simulator.run(load_input(read_text(args.input)))
    except SimulateInputError as exc:
        raise InputError(str(exc)) from exc
    out(json.dumps(result))
    return 0


def _open(path: str) -> IO[str]:
    if path == "-":
        return sys.stdin
    try:
        return open(path, encoding="utf-8")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def _regular_file(stream: IO[str]) -> bool:
    """Whether the stream reads a regular file (all input already there: no need to flush)."""
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, io.UnsupportedOperation):
        return False


def _batch(path: str) -> int:
    from ..policy.simulate import SimulateInputError, Simulator, load_input

    simulator = Simulator()
    stream = _open(path)
    bad = count = 0
    start = last = time.perf_counter()
    tty = sys.stderr.isatty()
    write, flush = sys.stdout.write, sys.stdout.flush
    live = not _regular_file(stream)
    try:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            count += 1
            try:
                result = simulator.run(load_input(line))
            except SimulateInputError as exc:
                bad += 1
                result = {"error": str(exc), "line": n}
            write(json.dumps(result) + "\n")
            if live:  # a decision per request as it comes: usable as a co-process over pipes
                flush()
            if tty and count % 1000 == 0 and time.perf_counter() - last > 1:
                last = time.perf_counter()
                err(f"simulate: {count} requests, {count / (last - start):,.0f}/s")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read {path}: not UTF-8 text") from exc
    finally:
        if stream is not sys.stdin:
            stream.close()
    elapsed = max(time.perf_counter() - start, 1e-9)
    err(f"simulate: {count} requests in {elapsed:.2f} s ({count / elapsed:,.0f}/s), "
        f"{bad} malformed")
    if bad:
        err(f"a2c-iam simulate: {bad} malformed input line(s); see the error objects in the output")
        return 2
    return 0
