"""Every learner-facing sentence, in English and Chinese, in one place.

``t(key, lang, **data)`` formats one. Keys ending in ``_zh``/``_en`` in ``data`` pick the
language's variant of a value (e.g. ``how_en``/``how_zh``).
"""

from __future__ import annotations

import os
from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    # outcomes
    "outcome.passed": ("passed", "通过"),
    "outcome.failed": ("failed", "未通过"),
    "outcome.error": ("error", "出错"),
    "outcome.not_started": ("not started", "未开始"),
    "outcome.timeout": ("timeout", "超时"),
    "outcome.crashed": ("crashed", "崩溃"),
    "outcome.forbidden": ("forbidden", "禁止使用"),
    # verdicts
    "not_started": ("{name} still raises NotImplementedError: replace the `raise` with your code.",
                    "{name} 仍然抛出 NotImplementedError：请用你的代码替换这一行 `raise`。"),
    "forbidden": ("{name} must be written from scratch, but it called the ready-made operator "
                  "{op}.\n  {where}\nUse plain tensor operations (slicing, sum, matmul, unfold, "
                  "einsum) instead.",
                  "{name} 需要从零实现，但它调用了现成的算子 {op}。\n  {where}\n"
                  "请改用基本的张量运算（切片、sum、matmul、unfold、einsum）。"),
    "raised": ("{call} raised {type}: {message}\n{traceback}on the input:\n{inputs}",
               "{call} 抛出了 {type}：{message}\n{traceback}输入为：\n{inputs}"),
    "timeout": ("{call} did not return within {seconds:g} s (an endless loop?) on the input:\n"
                "{inputs}{output}",
                "{call} 在 {seconds:g} 秒内没有返回（是否有死循环？），输入为：\n{inputs}{output}"),
    "crashed": ("the process running {call} died: {how}. The input was:\n{inputs}{output}",
                "运行 {call} 的进程崩溃了：{how}。输入为：\n{inputs}{output}"),
    "import_timeout": ("importing {module}.py did not finish within {seconds:g} s: move slow "
                       "code at the top level under `if __name__ == \"__main__\":`.",
                       "导入 {module}.py 未能在 {seconds:g} 秒内完成：请把顶层的耗时代码放到 "
                       "`if __name__ == \"__main__\":` 之下。"),
    "import_crashed": ("the process importing {module}.py died: {how}.{output}",
                       "导入 {module}.py 的进程崩溃了：{how}。{output}"),
    "import_failed": ("{module}.py could not be imported: {type}: {message}\n{traceback}",
                      "无法导入 {module}.py：{type}：{message}\n{traceback}"),
    "missing_file": ("{file} was not found in {folder}.", "在 {folder} 中找不到 {file}。"),
    "missing_name": ("{file} defines no `{name}`: keep the name and signature of the stub.",
                     "{file} 中没有定义 `{name}`：请保留练习模板中的名称和签名。"),
    "mutated_input": ("{call} modified its input {arg} in place; an exercise must leave its "
                      "inputs unchanged (work on a copy or build a new tensor). The input was:\n"
                      "{inputs}",
                      "{call} 原地修改了输入 {arg}；练习不能改变输入（请在副本上操作或创建新张量）。"
                      "输入为：\n{inputs}"),
    "flaky": ("your code gave different results for the same input (does it use randomness or "
              "keep state between calls?).",
              "对于相同的输入，你的代码给出了不同的结果（是否使用了随机数，或在调用之间保留了状态？）。"),
    "internal": ("the grader itself failed while checking this exercise ({detail}). This is not "
                 "your fault: please report it.",
                 "评分器在检查这道练习时自身出错（{detail}）。这不是你的问题：请报告此错误。"),
    "output": ("\nIt printed:\n{text}", "\n它打印了：\n{text}"),
    # mismatch rendering
    "mm.wrong": ("{call} returned a wrong result.", "{call} 返回的结果不正确。"),
    "mm.input": ("Smallest failing input found:", "找到的最小反例输入："),
    "mm.no_input": ("(no input)", "（无输入）"),
    "mm.expected": ("expected", "期望"),
    "mm.got": ("got     ", "实际"),
    "mm.not_tensor": ("expected a torch.Tensor, got {got}.", "期望得到 torch.Tensor，实际得到 {got}。"),
    "mm.shape": ("expected shape {expected}, got {got}", "期望形状 {expected}，实际形状 {got}"),
    "mm.dtype_float": ("expected a floating-point tensor, got dtype {got}",
                       "期望浮点张量，实际 dtype 为 {got}"),
    "mm.device": ("the result is on {got} but the inputs are on {expected}",
                  "结果位于 {got}，但输入位于 {expected}"),
    "mm.nonfinite": ("the result contains NaN or inf where the expected values are finite",
                     "结果中含有 NaN 或 inf，而期望值都是有限数"),
    "mm.values": ("wrong values", "数值不正确"),
    "mm.largest": ("largest difference {diff:.4g} at index {index}",
                   "最大差值 {diff:.4g}，位置 {index}"),
    "mm.diagnosis": ("Diagnosis: {text}", "诊断：{text}"),
    "mm.value": ("expected {expected!r}, got {got!r}", "期望 {expected!r}，实际 {got!r}"),
    "hint": ("Hint: {text}", "提示：{text}"),
    # report
    "report.summary": ("{passed}/{total} exercises passed, {score:g}/{max_score:g} points "
                       "({seconds:.1f} s)",
                       "{passed}/{total} 道练习通过，得分 {score:g}/{max_score:g}（{seconds:.1f} 秒）"),
    "report.next": ("Next: {name}. `grader hint {name}` gives a hint.",
                    "下一题：{name}。运行 `grader hint {name}` 查看提示。"),
    "report.grading": ("Grading {folder}", "正在评分 {folder}"),
    # -- chapter 20-22 checks (helper A adds here) --
    # -- chapter 23 checks, data and training (helper B adds here) --
    # -- instructor commands: release, grade, gradescope, junit (helper C adds here) --
    # -- notebooks (helper D adds here) --
    # -- learner commands: list, hint, watch, reset, solution (helper E adds here) --
}


def t(key: str, lang: str, **data: Any) -> str:
    en, zh = MESSAGES[key]
    template = zh if lang == "zh" else en
    suffix = "_zh" if lang == "zh" else "_en"
    values = {k[:-3]: v for k, v in data.items() if k.endswith(suffix)}
    values.update({k: v for k, v in data.items() if not k.endswith(("_en", "_zh"))})
    if "inputs" in values and not isinstance(values["inputs"], str):
        from grader.compare import format_inputs

        values["inputs"] = format_inputs(values["inputs"], lang)
    if "output" in values and values["output"] and key != "output":
        values["output"] = t("output", lang, text=values["output"].rstrip())
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # never let a message crash the report
        return f"{template} {values}"


def default_lang(environ: dict | None = None) -> str:
    """zh when the locale says Chinese (LC_ALL, then LC_MESSAGES, then LANG), else en."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
