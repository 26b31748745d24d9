"""Saving new access keys as named profiles in the AWS shared credentials and config files.

The seed says to save each user's keys "in a safe place" and configure an AWS profile with them.
``setup --write-profiles`` does both: ``[alice]`` in the shared credentials file (the secret) and
``[profile alice]`` in the config file (region, and the endpoint when it is not AWS itself), the
files the AWS CLI and every SDK read, at the paths ``AWS_SHARED_CREDENTIALS_FILE`` and
``AWS_CONFIG_FILE`` name.

The files are edited as text, section by section, so that comments and every other profile stay
byte for byte; a profile that exists is left alone unless ``force``. Each file is written to a
temporary file of mode 0600 beside it and renamed over it, so a crash never leaves half a file
and a secret is never readable by others, even for a moment.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["config_path", "credentials_path", "has_profile", "write_profile"]

_SECTION = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*$")


def credentials_path() -> Path:
    return Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials").expanduser()


def config_path() -> Path:
    return Path(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config").expanduser()


def _section_name(profile: str, *, config: bool) -> str:
    return profile if not config or profile == "default" else f"profile {profile}"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def has_profile(path: Path, profile: str, *, config: bool = False) -> bool:
    wanted = _section_name(profile, config=config)
    return any(
        (m := _SECTION.match(line)) and m.group(1) == wanted for line in _read(path).splitlines()
    )


def _replace_section(text: str, section: str, values: Mapping[str, str]) -> str:
    """``text`` with ``[section]`` holding exactly ``values``: replaced in place when present,
    appended otherwise."""
    body = [f"[{section}]"] + [f"{key} = {value}" for key, value in values.items()]
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    replaced = False
    while index < len(lines):
        found = _SECTION.match(lines[index])
        if found and found.group(1) == section and not replaced:
            out.extend(body)
            index += 1
            while index < len(lines) and not _SECTION.match(lines[index]):
                index += 1
            replaced = True
            continue
        out.append(lines[index])
        index += 1
    if not replaced:
        if out and out[-1].strip():
            out.append("")
        out.extend(body)
    return "\n".join(out) + "\n"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:  # mkstemp creates the file 0600
            fh.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def write_profile(profile: str, credentials: Mapping[str, str], settings: Mapping[str, str], *,
                  force: bool = False) -> bool:
    """Save ``profile``; False (and nothing written) when it exists and ``force`` is not set.

    ``credentials`` go to the shared credentials file, ``settings`` (region, endpoint_url) to the
    config file; the check covers both files, so a half-present profile is not half-overwritten.
    """
    cred_file, conf_file = credentials_path(), config_path()
    exists = has_profile(cred_file, profile) or (
        bool(settings) and has_profile(conf_file, profile, config=True)
    )
    if exists and not force:
        return False
    _write_private(cred_file, _replace_section(_read(cred_file), profile, credentials))
    if settings:
        section = _section_name(profile, config=True)
        _write_private(conf_file, _replace_section(_read(conf_file), section, settings))
    return True
