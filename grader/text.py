"""Every learner-facing sentence: a key and its data; the sentences in per-language files.

``grader/texts/<lang>/*.toml`` holds one language: ``grader.toml`` the tool's own sentences,
``chapterNN.toml`` a chapter's (``[chapterNN.<exercise>]`` tables: its hints, its known
mistakes, what its shapes mean). Nested tables and dotted keys flatten to one dotted key
(``chapter22.max_pool2d.mistake.zero_padding``); a quoted key with dots is the same key
written flat. ``t(key, lang, **data)`` formats one with ``str.format``. Adding a language is
adding a folder: ``--lang`` offers the folders there are.

Why TOML and not gettext: the sentences are named by keys, not by their English text (a
verdict key travels in results.json and the English may be reworded), the catalog is TOML
already, Python reads it without a dependency (3.11+; ``tomli`` on 3.10), and there is nothing
to compile, so the wheel carries the files as they are and a translator edits plain text.

A value in ``data`` may itself be a sentence of the check's (``said(key, **data)``, a
``grader.plain`` text descriptor): it is rendered in the same language first. A key missing
in one language falls back to English; a key missing everywhere renders as the key and its
data, never an exception (a message must not crash a report). ``STRICT`` (the project's tests
set it) makes both an error instead.
"""

from __future__ import annotations

import functools
import os
import string
from pathlib import Path
from typing import Any

TEXTS = Path(__file__).resolve().parent / "texts"
FALLBACK = "en"
#: Raise on a missing key or a template its data cannot fill (the project's tests set this).
STRICT = False


def _toml(path: Path) -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    with open(path, "rb") as f:
        return tomllib.load(f)


def _flatten(table: dict, prefix: str, out: dict, where: Path) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            _flatten(value, key + ".", out, where)
            continue
        if key in out:
            raise ValueError(f"{where}: the key {key!r} is also defined in another file")
        out[key] = tuple(value) if isinstance(value, list) else value


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages there are sentences for: the folders of ``grader/texts``."""
    return tuple(sorted(p.name for p in TEXTS.iterdir() if p.is_dir() and any(p.glob("*.toml"))))


@functools.cache
def sentences(lang: str) -> dict[str, Any]:
    """Every key of one language and its sentence (a str, or a tuple of str: a hint's levels)."""
    out: dict[str, Any] = {}
    folder = TEXTS / lang
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            _flatten(_toml(path), "", out, path)
    return out


def exists(key: str, lang: str = FALLBACK) -> bool:
    return key in sentences(lang)


def raw(key: str, lang: str) -> Any:
    """The sentence (or list of sentences) of ``key`` in ``lang``, else English, else None."""
    for each in (lang, FALLBACK):
        found = sentences(each).get(key)
        if found is not None:
            return found
    if STRICT:
        raise KeyError(f"no sentence for the key {key!r}")
    return None


def t(key: str, lang: str, **data: Any) -> str:
    """The sentence of ``key`` in ``lang``, filled with ``data``."""
    template = raw(key, lang)
    values = {k: render_value(v, lang) for k, v in data.items()}
    if key != "output" and values.get("output"):
        values["output"] = t("output", lang, text=str(values["output"]).rstrip())
    if not isinstance(template, str):
        return f"{key} {values}" if values else key
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        if STRICT:
            raise
        return f"{template} {values}"


def said(key: str, **data: Any) -> dict:
    """A sentence as plain data, to be rendered later in the reader's language: words of a
    check for a message (an input described rather than shown, what was expected in words)."""
    return {"$value": "text", "key": key, "data": data}


def render_value(value: Any, lang: str) -> Any:
    """``value`` with any ``said`` sentence in it rendered in ``lang`` (lists and tuples of
    them too); anything else as it is."""
    if isinstance(value, dict) and value.get("$value") == "text" and "key" in value:
        return t(value["key"], lang, **value.get("data", {}))
    if isinstance(value, (list, tuple)) and any(isinstance(v, dict) for v in value):
        return type(value)(render_value(v, lang) for v in value)
    return value


def fields(template: str) -> set[str]:
    """The names a template fills (``{name}``, ``{seconds:g}`` → ``seconds``)."""
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(template) if name}


def default_lang(environ: dict | None = None) -> str:
    """The language the locale asks for (LC_ALL, then LC_MESSAGES, then LANG) when there are
    sentences in it (``zh_CN.UTF-8`` → ``zh``), else English."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            code = value.split(".")[0].split("_")[0].lower()
            return code if code in languages() else FALLBACK
    return FALLBACK
