"""What ``run_autograder`` runs on Gradescope: grade ``ROOT/submission`` (chapter files, or
notebooks, graded from their code cells) and write ``ROOT/results/results.json`` (the contract's
format, which is Gradescope's).

``ROOT`` is ``--root``, else ``$AUTOGRADER_ROOT``, else ``/autograder``. The bundle's
``config.json`` says what to grade (targets), the time and memory limits and the language. A
results.json is written whatever happens: a grader failure is reported there, never as an empty
Gradescope page.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

DEFAULT_ROOT = "/autograder"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_autograder")
    parser.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT") or DEFAULT_ROOT)
    parser.add_argument("--config", help="the bundle's config.json (default: ROOT/source/)")
    args = parser.parse_args(argv)
    root = Path(args.root)
    config_path = Path(args.config) if args.config else root / "source" / "config.json"
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    config: dict = {}
    try:
        config = json.loads(config_path.read_text("utf-8")) if config_path.is_file() else {}
        return grade(root, config, results)
    except Exception as exc:  # noqa: BLE001 - whatever broke, Gradescope gets a results.json
        from grader.text import languages, t

        # in the bundle's language; in every language when the config could not be read
        lang = config.get("lang") if isinstance(config, dict) else None
        said = [t("gradescope.failed", each) for each in ([lang] if lang else languages())]
        text = "\n".join([*said, f"{type(exc).__name__}: {exc}"])
        print(traceback.format_exc(), file=sys.stderr)
        (results / "results.json").write_text(json.dumps(
            {"score": 0.0, "max_score": 0.0, "execution_time": 0.0, "output": text,
             "tests": []}, ensure_ascii=False, indent=2), encoding="utf-8")
        return 1


def grade(root: Path, config: dict, results: Path) -> int:
    from grader import catalog as catalog_mod
    from grader.launcher import IsolationUnavailable, choose_isolation
    from grader.submission import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, grade_submission
    from grader.text import t

    targets = list(config.get("targets") or [])
    exercises = catalog_mod.load().resolve(targets)
    lang = str(config.get("lang", "en"))
    try:  # the bundle's choice (`grader gradescope [--no-sandbox]`), made when it was built
        isolation = choose_isolation("auto", None if config.get("sandbox", True) else False,
                                     sandbox_default=True)
    except IsolationUnavailable as exc:
        from grader import report
        from grader.project import isolation_words
        from grader.results import synthesized

        why = isolation_words(exc)
        run = synthesized("submission", exercises, "error", "gradescope.no_sandbox",
                          {"why": why})
        report.write_json(results / "results.json", report.results_json(run, lang))
        print(t("gradescope.no_sandbox", lang, why=why), file=sys.stderr)
        return 1
    submission = root / "submission"
    submission.mkdir(parents=True, exist_ok=True)
    grade_submission(
        submission, exercises, results, student="submission",
        timeout=float(config.get("timeout", DEFAULT_TIMEOUT)),
        memory_limit_mb=int(config.get("memory_limit_mb", DEFAULT_MEMORY_MB)),
        device="cpu", lang=lang, isolation=isolation)
    log = results / "grader.log"
    if log.is_file():  # the terminal report, for Gradescope's autograder output pane
        sys.stdout.write(log.read_text("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
