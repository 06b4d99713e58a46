"""In a kernel: the notebook's setup cell (``grader.setup_notebook``) and ``grader.check``.

``grader.check`` sends the kernel's cells to a verdict process (one per kernel), so that
pytest, Hypothesis and the learner's code never run inside the learner's kernel.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from grader.notebooks.cells import history_cells, use_support
from grader.notebooks.grading import kernel_plan
from grader.notebooks.other_chapters import chapter_imports, support_folder, support_modules

# ``grader.check`` sends plans to one warm verdict process per kernel
# (``grader.service_process``), started by the setup cell: it imports pytest and Hypothesis once
# and keeps its fork server (torch imported once), so a check costs little more than the checks
# themselves. The result comes back as data and is rendered in the kernel.
_STATE: dict[str, Any] = {}


def _kernel_solutions(solutions: bool) -> bool:
    env = os.environ.get("GRADER_SOLUTIONS", "").strip().lower() in ("1", "true", "yes", "on")
    return bool(solutions) or env


def setup_notebook(chapter: str, *, solutions: bool = False) -> None:
    """The notebook's setup cell: remember its chapter, import other chapters from the folder
    the grader will use (the project's ``exercises/``; ``solutions/`` for a notebook made with
    ``--solutions`` or under ``GRADER_SOLUTIONS=1``) so the kernel and the grader agree, and
    start the grader in the background."""
    from grader import catalog as catalog_mod
    from grader.text import default_lang, t

    catalog = catalog_mod.load()
    ch = catalog.chapter(chapter)
    lang = default_lang()
    solutions = _kernel_solutions(solutions)
    here = Path.cwd()
    folder, root = support_folder([here], solutions)
    previous = _STATE.get("path")
    if previous in sys.path:
        sys.path.remove(previous)
    sys.path.insert(0, str(folder))
    support = support_modules(ch, catalog, folder, here)
    use_support(support, lang)
    _STATE.update(chapter=ch.id, folder=str(folder), root=str(root) if root else None,
                  solutions=solutions, path=str(folder), support=support)
    key = "nb.setup_done" if root is not None or solutions else "nb.setup_standalone"
    print(t(key, lang, chapter=ch.id, folder=folder))
    for module, names in chapter_imports(ch, catalog).items():
        if module not in support:
            continue
        cells, file, number = support[module]
        shown = ", ".join(names)
        if cells is not None:
            print(t("nb.earlier_from", lang, names=shown, number=number,
                    notebook=Path(file).name))
        else:
            print(t("nb.earlier_missing", lang, names=shown, number=number, module=module,
                    folder=here))
    if _ipython() is not None:
        _service()  # starts importing now


def check(target: str | None = None, *, lang: str | None = None, device: str = "auto",
          seed: int | None = None) -> None:
    """Grade what this notebook's kernel has defined and print the verdicts.

    ``target``: ``"chapter21.corr2d_multi_in"``, ``"chapter21"`` (default: the chapter of the
    setup cell). The cells the kernel ran (its input history) are graded in a separate process,
    with the same checks and outcomes as ``grader check``."""
    from grader import catalog as catalog_mod
    from grader import report
    from grader.service_process import ServiceDied, ServiceError
    from grader.text import default_lang, t

    lang = lang or default_lang()
    shell = _ipython()
    if shell is None:
        raise RuntimeError(t("nb.not_in_kernel", lang, target=target or "chapterNN"))
    catalog = catalog_mod.load()
    wanted = [target] if target else [_STATE.get("chapter", "")]
    try:
        exercises = catalog.resolve(wanted)
    except catalog_mod.TargetError as exc:  # it names the valid targets, in the reader's words
        raise ValueError(exc.text(lang)) from None
    chapters = {ex.chapter for ex in exercises}
    if len(chapters) != 1:
        raise ValueError(t("nb.one_chapter", lang, targets=", ".join(wanted)))
    chapter = catalog.chapter(chapters.pop())
    if _STATE.get("folder"):
        folder, root, solutions = _STATE["folder"], _STATE["root"], _STATE["solutions"]
        support = _STATE.get("support")
    else:
        solutions = _kernel_solutions(False)
        found, found_root = support_folder([Path.cwd()], solutions)
        folder, root = str(found), str(found_root) if found_root else None
        support = support_modules(chapter, catalog, found, Path.cwd())
    plan = kernel_plan(exercises, chapter,
                       history_cells(list(shell.history_manager.input_hist_raw)),
                       folder=Path(folder), root=Path(root) if root else None,
                       solutions=solutions, device=device, seed=seed, support=support)
    try:
        run = _service().submit(plan)
    except BaseException as exc:  # an interrupted kernel stops the grading too
        _stop_service()
        if isinstance(exc, (ServiceDied, ServiceError)):
            print(t("nb.verdict_failed", lang, code=getattr(exc, "code", 1),
                    detail=str(getattr(exc, "output", "") or exc)[-3000:].strip()))
            return
        raise
    import io

    text = io.StringIO()
    report.print_run(run, lang, out=text, color="NO_COLOR" not in os.environ)
    sys.stdout.write(text.getvalue())
    sys.stdout.flush()


def _service() -> Any:
    """The kernel's verdict process, started when there is none (or the one there was has
    gone). Its working folder is the grader's own: the learner's files are not on its path."""
    from grader.service_process import Service

    service = _STATE.get("service")
    if service is None:
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        service = _STATE["service"] = Service(env, cwd=str(Path(__file__).resolve().parents[1]))
        service.start()
    return service


def _stop_service() -> None:
    service = _STATE.pop("service", None)
    if service is not None:
        service.kill()


def _ipython() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if shell is not None and hasattr(shell, "history_manager") else None
