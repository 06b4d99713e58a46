"""The text of a verdict: a result's key and plain data (``grader.results``) in one language.

This is the renderers' shared step: the terminal report, results.json, JUnit, notebook cells and
class summaries all call ``exercise_text``; nothing upstream holds finished text.
"""

from __future__ import annotations

from typing import Any

from grader import outcomes
from grader.plain import is_value
from grader.text import render_value, t


def format_value(x: Any, indent: str = "    ", lang: str = "en") -> str:
    """A compact, readable value (a descriptor from ``grader.plain``, or a plain value)."""
    if not is_value(x):
        from grader.plain import describe

        x = describe(x)
    kind = x["$value"]
    if kind == "text":  # grader.text.said: a sentence of the check's
        return str(render_value(x, lang))
    if kind == "tensor":
        head = t("mm.tensor_head", lang, shape=tuple(x["shape"]), dtype=x["dtype"])
        if x.get("noncontiguous"):
            head += t("mm.noncontiguous", lang)
        body = x["body"].replace("\n", "\n" + indent)
        return f"{body}   ({head})" if "\n" not in body else f"({head})\n{indent}{body}"
    if kind == "ndarray":
        body = x["body"].replace("\n", "\n" + indent)
        return f"{body}   ({t('mm.ndarray_head', lang, shape=tuple(x['shape']))})"
    return str(x.get("text", ""))


def format_inputs(inputs: list | None, lang: str) -> str:
    if not inputs:
        return "  " + t("mm.no_input", lang) + "\n"
    return "".join(f"  {words(name, lang)} = {format_value(value, lang=lang)}\n"
                   for name, value in inputs)


class _Words(str):
    """Text that a message shows as it is, also where it formats with ``!r``."""

    def __repr__(self) -> str:
        return str(self)


def words(x: Any, lang: str) -> Any:
    """``x`` in ``lang`` when it is words in both languages (``grader.compare.said``), else
    ``x`` itself; inside tuples and lists too. Any other value descriptor inside a tuple or a
    list (a complex number's repr in a returned shape) is shown as the renderers show it."""
    if isinstance(x, dict) and "$value" in x:
        return _Words(format_value(x, lang=lang))
    if isinstance(x, (list, tuple)) and any(isinstance(v, dict) for v in x):
        return type(x)(words(v, lang) for v in x)
    return x


def render(key: str, data: dict, lang: str) -> str:
    """The sentence(s) for one verdict."""
    if key == "mismatch":
        return render_mismatch(data, lang)
    values = {k: (format_value(v, lang=lang) if is_value(v) else words(v, lang))
              for k, v in data.items()}
    values.setdefault("output", "")
    if "inputs" in values and not isinstance(values["inputs"], str):
        values["inputs"] = format_inputs(values["inputs"], lang)
    return t(key, lang, **values)


def render_mismatch(d: dict, lang: str) -> str:
    lines = [t("mm.wrong", lang, call=words(d["call"], lang))]
    reason = t(d["reason"], lang, **{k: words(v, lang) for k, v in d["params"].items()})
    if d.get("shape_why"):
        reason = t("mm.because", lang, reason=reason, why=words(d["shape_why"], lang))
    stop = t("mm.stop", lang)
    lines.append(reason[0].upper() + reason[1:] + ("" if reason.endswith(stop) else stop))
    if d.get("inputs"):  # an exercise without arguments (edge_kernel(), lenet()) has none
        lines.append(t("mm.input" if d.get("searched", True) else "mm.input_fixed", lang))
        lines.append(format_inputs(d["inputs"], lang).rstrip("\n"))
    if d.get("expected") is not None:
        lines.append("  " + t("mm.expected", lang, value=format_value(d["expected"], lang=lang)))
        lines.append("  " + t("mm.got", lang, value=format_value(d["actual"], lang=lang)))
    if d["reason"] == "mm.values":
        lines.append("  " + t("mm.largest", lang, **d["params"]))
    if d.get("diagnosis"):
        lines.append(t("mm.diagnosis", lang, text=diagnosis_text(d["diagnosis"], lang)))
    if d.get("output"):
        lines.append(t("output", lang, text=d["output"]).lstrip("\n"))
    return "\n".join(lines)


def diagnosis_text(found: list, lang: str) -> str:
    """A diagnosis (one or two sentences, ``grader.compare._sentence``) in ``lang``: two are
    joined by "Or" (no input told them apart)."""
    said = [str(render_value(x, lang)) for x in found]
    return t("mm.either", lang, first=said[0], second=said[1]) if len(said) > 1 else said[0]


def diagnosis(result: Any, lang: str) -> str:
    """The known mistake the learner's result matches, if any (one sentence)."""
    found = (result.data or {}).get("diagnosis")
    return diagnosis_text(found, lang) if found else ""


def diagnosis_key(result: Any) -> str:
    """What groups equal diagnoses in a class summary: the sentences' keys (the English text
    for a sentence without one)."""
    found = (result.data or {}).get("diagnosis") or []
    return " | ".join(str(x.get("key")) for x in found if isinstance(x, dict))


def exercise_text(result: Any, lang: str, hint: str = "") -> str:
    """What the learner reads for one exercise (empty when it passed); ``hint`` is added to a
    wrong answer or an error."""
    if result.outcome == outcomes.PASSED:
        return ""
    try:
        body = render(result.key, result.data or {}, lang)
    except Exception as exc:  # a rendering bug must not hide the verdict
        body = t("internal", lang, detail=f"rendering {result.key}: {exc!r}")
    culprit = (result.data or {}).get("culprit")
    if culprit:  # the real culprit first: another exercise this one calls
        body = t("culprit", lang, name=result.name.split(".")[-1], dep=culprit["dep"],
                 dep_name=culprit["dep"].split(".")[-1],
                 outcome=t(f"outcome.{culprit['outcome']}", lang)) + "\n" + body
    if result.outcome in (outcomes.FAILED, outcomes.ERROR) and hint:
        body += "\n" + t("hint", lang, text=hint)
    return body
