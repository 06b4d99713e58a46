"""The book's examples of an exercise: one list, shown by the docstring and graded by the check.

An exercise's check module holds ``BOOK_EXAMPLES``, doctest text exactly as the reference's
docstring shows it (``>>> X = ...`` set-up lines, calls of the exercise, what they show).
``tests/test_book_examples.py`` proves the reference's and the stub's docstrings show exactly
these examples and that the reference gives what they show; the check grades every call of
the exercise in them with ``calls`` (on the graded device, against PyTorch's own operator).
"""

from __future__ import annotations

import doctest
from collections.abc import Callable
from typing import Any

_PARSER = doctest.DocTestParser()


def examples(text: str) -> list[doctest.Example]:
    """The ``>>>`` examples of a docstring (or of ``BOOK_EXAMPLES``)."""
    return _PARSER.get_examples(text)


def _code(source: str) -> str:
    """An example's source without its comments (a docstring's teaching notes) or layout."""
    import io
    import tokenize

    try:
        tokens = [tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                  if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE,
                                      tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)]
    except (tokenize.TokenError, SyntaxError):
        return " ".join(source.split())
    return " ".join(tokens)


def same_examples(a: str, b: str) -> bool:
    """Whether two texts hold the same examples: the same code and the same output, comments
    and whitespace aside (a docstring's notes and indentation, doctest's column alignment)."""
    def norm(text: str) -> list[tuple[str, str]]:
        return [(_code(e.source), " ".join(e.want.split())) for e in examples(text)]

    return norm(a) == norm(b)


def calls(text: str, name: str, reference: Callable[..., Any],
          namespace: dict[str, Any] | None = None) -> list[tuple[tuple, dict]]:
    """The arguments of every call of ``name`` in the examples of ``text``, in order: each
    example runs with ``name`` bound to a recorder that returns ``reference``'s result (so a
    later line may use it: ``avg_pool2d(X, 2) * 9``), ``torch`` and ``nn`` bound, and
    ``namespace`` (other exercises the examples call, as references)."""
    import torch
    from torch import nn

    seen: list[tuple[tuple, dict]] = []

    def record(*args: Any, **kwargs: Any) -> Any:
        seen.append((args, kwargs))
        return reference(*args, **kwargs)

    scope: dict[str, Any] = {"torch": torch, "nn": nn, **(namespace or {}), name: record}
    for example in examples(text):
        exec(compile(example.source, f"<book example of {name}>", "exec"), scope)
    return seen


def on_device(args: tuple, kwargs: dict, device: str) -> tuple[tuple, dict]:
    """The arguments with every tensor moved to ``device``."""
    import torch

    def move(x: Any) -> Any:
        return x.to(device) if isinstance(x, torch.Tensor) else x

    return tuple(move(a) for a in args), {k: move(v) for k, v in kwargs.items()}
