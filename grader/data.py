"""Data for training LeNet: Fashion-MNIST from its IDX files, and a small synthetic stand-in.

``load_data_fashion_mnist(batch_size, resize=None)`` returns ``(train_iter, test_iter)``
PyTorch data loaders like d2l's: batches of ``(X, y)`` with X float32 of shape
(batch, 1, 28, 28) in [0, 1] (or ``resize`` x ``resize``) and y int64 class indices; the training
loader shuffles, the test loader does not. The four IDX files are read from a folder
(``default_dir()``): ``grader data fashion-mnist`` downloads them and checks their MD5 sums.
Nothing here downloads on its own.

``load_data_synthetic(batch_size, ...)`` needs no files: 28x28 images of ten classes made on the
fly, deterministic for a seed, that d2l's LeNet learns in a few epochs (the offline default).

The IDX format (LeCun's MNIST page): a 4-byte magic number ``0 0 type ndim`` (type 0x08 =
unsigned byte), then ``ndim`` big-endian uint32 sizes, then the values, row-major. Files may be
gzip-compressed (as distributed) or not.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.text import said

# name -> MD5 of the gzip file, as published with the dataset.
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
CLASSES = ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker",
           "bag", "ankle boot")

# IDX type byte -> (numpy dtype, size in bytes); multi-byte types are big-endian.
_IDX_TYPES = {0x08: (">u1", 1), 0x09: (">i1", 1), 0x0B: (">i2", 2), 0x0C: (">i4", 4),
              0x0D: (">f4", 4), 0x0E: (">f8", 8)}
_GZIP_MAGIC = b"\x1f\x8b"


class DataError(Exception):
    """A dataset problem a learner can fix: a sentence's key and its data (``grader/texts``)."""

    def __init__(self, key: str, **data: Any) -> None:
        self.key = key
        self.data = data
        super().__init__(self.render("en"))

    def render(self, lang: str) -> str:
        from grader.text import render_value, t

        # a list of reasons (the mirrors tried) is one per line
        data = {k: "\n  ".join(str(x) for x in render_value(v, lang)) if isinstance(v, list)
                else v for k, v in self.data.items()}
        return t(self.key, lang, **data)


def default_dir() -> Path:
    """Where Fashion-MNIST is looked for: ``$GRADER_DATA_DIR/fashion-mnist``, by default
    ``~/.cache/convgrade/fashion-mnist``."""
    base = os.environ.get("GRADER_DATA_DIR") or Path.home() / ".cache" / "convgrade"
    return Path(base).expanduser() / "fashion-mnist"


# -- IDX files ----------------------------------------------------------------------------------

def read_idx(path: str | os.PathLike) -> Any:
    """Read an IDX file (gzip-compressed or raw) into a NumPy array.

    Raises ``DataError`` when the file is not IDX (bad magic number), is truncated, or has bytes
    left over after the values its header announces."""
    import numpy as np

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError("data.unreadable", file=str(path), reason=exc.strerror or str(exc)) \
            from None
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise DataError("data.corrupt", file=str(path),
                            reason=said("data.reason.gzip", error=str(exc))) from None
    if len(raw) < 4:
        raise DataError("data.corrupt", file=str(path),
                        reason=said("data.reason.too_short", size=len(raw)))
    zero, kind, ndim = raw[0:2], raw[2], raw[3]
    if zero != b"\x00\x00" or kind not in _IDX_TYPES or ndim == 0:
        raise DataError("data.corrupt", file=str(path),
                        reason=said("data.reason.magic", magic=raw[:4].hex()))
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError("data.corrupt", file=str(path),
                        reason=said("data.reason.header", ndim=ndim, size=len(raw)))
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype, size = _IDX_TYPES[kind]
    want = header + size * int(np.prod(shape, dtype=np.int64))
    if len(raw) != want:
        key = "data.reason.truncated" if len(raw) < want else "data.reason.extra_bytes"
        raise DataError("data.corrupt", file=str(path),
                        reason=said(key, shape=shape, want=want, size=len(raw)))
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(
        dtype.lstrip(">"), copy=True)


def write_idx(path: str | os.PathLike, array: Any, compress: bool | None = None) -> None:
    """Write a NumPy array as an IDX file (gzip when ``compress`` or the name ends in .gz)."""
    import numpy as np

    array = np.asarray(array)
    codes = {np.dtype(d.lstrip(">")): code for code, (d, _) in _IDX_TYPES.items()}
    code = codes[array.dtype]
    big = array.astype(_IDX_TYPES[code][0])
    data = bytes([0, 0, code, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape) + big.tobytes()
    path = Path(path)
    if compress or (compress is None and path.suffix == ".gz"):
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)


def md5sum(path: str | os.PathLike) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_files(root: str | os.PathLike | None = None) -> dict[str, Path]:
    """The four Fashion-MNIST files in ``root`` (each as .gz or unpacked), by gzip name.

    Raises ``DataError`` naming the missing files and how to get them."""
    folder = Path(root).expanduser() if root is not None else default_dir()
    found, missing = {}, []
    for name in FASHION_MNIST_FILES:
        for candidate in (folder / name, folder / name.removesuffix(".gz")):
            if candidate.is_file():
                found[name] = candidate
                break
        else:
            missing.append(name)
    if missing:
        raise DataError("data.missing", folder=str(folder), missing=", ".join(missing),
                        command=download_command(folder))
    return found


def download_command(folder: Path) -> str:
    default = folder == default_dir()
    return "grader data fashion-mnist" + ("" if default else f" --dir {folder}")


def read_fashion_mnist(root: str | os.PathLike | None = None) -> tuple[Any, Any, Any, Any]:
    """(train images, train labels, test images, test labels) as uint8 NumPy arrays."""
    files = find_files(root)
    arrays = []
    for images, labels in (("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
                           ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")):
        X, y = read_idx(files[images]), read_idx(files[labels])
        if X.ndim != 3 or X.shape[1:] != (28, 28):
            raise DataError("data.corrupt", file=str(files[images]),
                            reason=said("data.reason.images", shape=X.shape))
        if y.ndim != 1 or len(y) != len(X):
            raise DataError("data.corrupt", file=str(files[labels]),
                            reason=said("data.reason.labels", count=len(X), shape=y.shape))
        if len(y) and int(y.max()) >= len(CLASSES):
            raise DataError("data.corrupt", file=str(files[labels]),
                            reason=said("data.reason.classes", top=int(y.max())))
        arrays += [X, y]
    return tuple(arrays)


# -- downloading (only ``grader data`` calls this) ------------------------------------------------

def download_fashion_mnist(folder: str | os.PathLike | None = None,
                           mirrors: tuple[str, ...] | list[str] = MIRRORS,
                           expected: dict[str, str] | None = None,
                           report: Callable[[str, str], None] | None = None,
                           timeout: float = 60.0) -> Path:
    """Download the four files into ``folder`` and verify their MD5 sums.

    A file already there with the right sum is kept. Each file is tried from every mirror in
    turn; a download whose sum is wrong is deleted. ``report(name, status)`` hears about each
    file (status: "present", "downloading <url>", "ok", "bad <md5>", "failed <reason>").
    Raises ``DataError`` when a file could not be had from any mirror."""
    import urllib.request

    folder = Path(folder).expanduser() if folder is not None else default_dir()
    folder.mkdir(parents=True, exist_ok=True)
    expected = FASHION_MNIST_FILES if expected is None else expected
    report = report or (lambda name, status: None)
    for name, md5 in expected.items():
        target = folder / name
        if target.is_file() and md5sum(target) == md5:
            report(name, "present")
            continue
        reasons = []
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + name
            report(name, f"downloading {url}")
            part = target.with_name(name + ".part")
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response, \
                        open(part, "wb") as out:
                    for block in iter(lambda: response.read(1 << 16), b""):
                        out.write(block)
            except (OSError, ValueError) as exc:
                part.unlink(missing_ok=True)
                why = f"{url}: {getattr(exc, 'reason', None) or exc}"
                reasons.append(why)
                report(name, f"failed {why}")
                continue
            got = md5sum(part)
            if got != md5:
                part.unlink(missing_ok=True)
                reasons.append(said("data.reason.md5", url=url, md5=got, expected=md5))
                report(name, f"bad {got}")
                continue
            os.replace(part, target)
            report(name, "ok")
            break
        else:
            raise DataError("data.download_failed", file=name, folder=str(folder),
                            reasons=reasons)
    return folder


def verify_fashion_mnist(folder: str | os.PathLike | None = None,
                         expected: dict[str, str] | None = None) -> dict[str, str]:
    """Name -> "ok", "missing" or the wrong MD5, for each gzip file in ``folder``."""
    folder = Path(folder).expanduser() if folder is not None else default_dir()
    expected = FASHION_MNIST_FILES if expected is None else expected
    out = {}
    for name, md5 in expected.items():
        path = folder / name
        out[name] = "missing" if not path.is_file() else (
            "ok" if md5sum(path) == md5 else md5sum(path))
    return out


# -- PyTorch loaders ------------------------------------------------------------------------------

class _Images:
    """uint8 images (N, 28, 28) and labels as a map-style dataset of uint8 items; the loader's
    collate function turns a batch into floats (and resizes it) in one go."""

    def __init__(self, images: Any, labels: Any) -> None:
        import torch

        self.images = torch.as_tensor(images, dtype=torch.uint8)
        self.labels = torch.as_tensor(labels, dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[Any, Any]:
        return self.images[i], self.labels[i]


class _Collate:
    def __init__(self, resize: int | tuple[int, int] | None) -> None:
        self.resize = resize

    def __call__(self, batch: list) -> tuple[Any, Any]:
        import torch

        X = torch.stack([x for x, _ in batch]).unsqueeze(1).float().div_(255)
        if self.resize is not None:
            size = (self.resize, self.resize) if isinstance(self.resize, int) else self.resize
            X = torch.nn.functional.interpolate(X, size=tuple(size), mode="bilinear",
                                                align_corners=False, antialias=True)
        return X, torch.stack([y for _, y in batch])


def make_loaders(train: tuple[Any, Any], test: tuple[Any, Any], batch_size: int,
                 resize: int | tuple[int, int] | None = None, num_workers: int = 0,
                 seed: int | None = None) -> tuple[Any, Any]:
    """(train_iter, test_iter) DataLoaders over uint8 image arrays: shuffled training data."""
    import torch
    from torch.utils.data import DataLoader

    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    collate = _Collate(resize)
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    train_iter = DataLoader(_Images(*train), batch_size, shuffle=True, collate_fn=collate,
                            num_workers=num_workers, generator=gen)
    test_iter = DataLoader(_Images(*test), batch_size, shuffle=False, collate_fn=collate,
                           num_workers=num_workers)
    return train_iter, test_iter


def load_data_fashion_mnist(batch_size: int, resize: int | tuple[int, int] | None = None,
                            root: str | os.PathLike | None = None,
                            num_workers: int = 0) -> tuple[Any, Any]:
    """d2l's ``load_data_fashion_mnist``: (train_iter, test_iter) over Fashion-MNIST read from
    ``root`` (default: ``default_dir()``). Raises ``DataError`` when files are missing or bad."""
    X_train, y_train, X_test, y_test = read_fashion_mnist(root)
    return make_loaders((X_train, y_train), (X_test, y_test), batch_size, resize, num_workers)


# Synthetic classes: a bright box (top, bottom, left, right) per class, shaped a little like
# Fashion-MNIST's silhouettes (tall, wide, narrow, low...). Classes differ by area and shape at
# the scale LeNet's pooled features see, as Fashion-MNIST's do: a sigmoid LeNet leaves its
# initial plateau after a couple of hundred SGD steps, as it does on the real data.
_BOXES = ((4, 24, 6, 22), (2, 26, 10, 18), (6, 22, 2, 26), (2, 26, 6, 22), (4, 26, 3, 25),
          (16, 24, 2, 26), (4, 20, 8, 20), (14, 22, 2, 26), (8, 24, 4, 24), (10, 26, 6, 26))


def synthetic_images(n: int, seed: int = 0) -> tuple[Any, Any]:
    """``n`` 28x28 uint8 images of ten classes, and their labels (deterministic for ``seed``).

    Class k is a bright box of a class-specific shape whose four edges each move by up to 2
    pixels, of random brightness, over a faintly noisy black background: neighbouring classes
    overlap a little, so accuracy climbs gradually rather than jumping to 100%."""
    import numpy as np

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(_BOXES), size=n)
    edges = np.array(_BOXES, dtype=np.int64)[labels] + rng.integers(-2, 3, size=(n, 4))
    rows, cols = np.mgrid[0:28, 0:28]
    inside = ((rows >= edges[:, 0, None, None]) & (rows < edges[:, 1, None, None])
              & (cols >= edges[:, 2, None, None]) & (cols < edges[:, 3, None, None]))
    images = inside * rng.uniform(0.85, 1.0, size=(n, 1, 1)) \
        + rng.uniform(0.0, 0.1, size=(n, 28, 28))
    return (np.clip(images, 0, 1) * 255).round().astype(np.uint8), labels.astype(np.int64)


def load_data_synthetic(batch_size: int, resize: int | tuple[int, int] | None = None,
                        train_size: int = 10000, test_size: int = 2000, seed: int = 0,
                        num_workers: int = 0) -> tuple[Any, Any]:
    """(train_iter, test_iter) over ``synthetic_images``: the same shapes and types as
    Fashion-MNIST, no files, generated in well under a second."""
    train = synthetic_images(train_size, seed)
    test = synthetic_images(test_size, seed + 1)
    return make_loaders(train, test, batch_size, resize, num_workers, seed=seed)
