"""``grader data fashion-mnist [--dir DIR]``: download Fashion-MNIST and verify it.

The four IDX files come from the dataset's public mirror (another mirror is tried when one
fails); each file's MD5 sum is checked before it is kept, and the files are then read once to
make sure they parse. ``--verify`` checks files already there without downloading anything.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from grader.project import add_lang_option


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "data", help="download and verify a dataset (fashion-mnist)",
        description="Download the four Fashion-MNIST files (about 30 MB) and check their MD5 "
                    "sums, for `grader train lenet --data fashion-mnist`.")
    p.add_argument("dataset", choices=["fashion-mnist"], help="the dataset")
    p.add_argument("--dir", metavar="DIR",
                   help="where the files go (default: $GRADER_DATA_DIR/fashion-mnist, else "
                        "~/.cache/convgrade/fashion-mnist)")
    p.add_argument("--mirror", metavar="URL", action="append",
                   help="download from this base URL (repeat to try several in turn)")
    p.add_argument("--verify", action="store_true",
                   help="only check the files already there; download nothing")
    add_lang_option(p)
    p.set_defaults(func=cmd_data)


def cmd_data(args: Any) -> int:
    from grader import data
    from grader.errors import EXIT_FAILED, EXIT_OK
    from grader.project import default_lang
    from grader.text import t

    lang = default_lang(args)
    folder = Path(args.dir).expanduser().resolve() if args.dir else data.default_dir()
    try:
        if args.verify:
            status = data.verify_fashion_mnist(folder)
            for name, state in status.items():
                key = {"ok": "data.verify_ok", "missing": "data.verify_missing"}.get(
                    state, "data.verify_bad")
                print(t(key, lang, file=name, md5=state,
                        expected=data.FASHION_MNIST_FILES[name]))
            if any(state != "ok" for state in status.values()):
                print(t("data.verify_failed", lang, command=data.download_command(folder)),
                      file=sys.stderr)
                return EXIT_FAILED
        else:
            def report(name: str, status: str) -> None:
                word, _, rest = status.partition(" ")
                key = {"present": "data.file_present", "downloading": "data.file_downloading",
                       "ok": "data.file_ok", "bad": "data.file_bad",
                       "failed": "data.file_failed"}[word]
                print(t(key, lang, file=name, url=rest, md5=rest, reason=rest), flush=True)

            data.download_fashion_mnist(folder, mirrors=tuple(args.mirror or data.MIRRORS),
                                        report=report)
        X_train, _, X_test, _ = data.read_fashion_mnist(folder)
    except data.DataError as exc:
        print(f"grader: {exc.render(lang)}", file=sys.stderr)
        return EXIT_FAILED
    print(t("data.ready", lang, folder=str(folder), train=len(X_train), test=len(X_test)))
    return EXIT_OK
