"""grader.data: the IDX reader, Fashion-MNIST loaders and verification, the synthetic set, and
``grader data``. Every file is made here; nothing is downloaded (the download path is exercised
with a file:// mirror)."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys

import numpy as np
import pytest
import torch

from grader import data
from grader.data import DataError


def make_fashion(folder, n_train=7, n_test=5, compress=True, seed=0):
    """Four small IDX files with Fashion-MNIST's names; returns (images, labels) per split."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        suffix = ".gz" if compress else ""
        data.write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", images)
        data.write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", labels)
        out[split] = (images, labels)
    return out


def md5s(folder):
    return {name: hashlib.md5((folder / name).read_bytes()).hexdigest()
            for name in data.FASHION_MNIST_FILES}


# -- IDX ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".gz", ""])
@pytest.mark.parametrize("array", [np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
                                   np.array([3, 1, 4, 1, 5], dtype=np.uint8),
                                   np.array([[1.5, -2.0]], dtype=np.float32),
                                   np.array([[-7, 300]], dtype=np.int32)])
def test_idx_round_trip(tmp_path, suffix, array):
    path = tmp_path / f"x-idx{suffix}"
    data.write_idx(path, array)
    back = data.read_idx(path)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array)


def test_idx_header_is_big_endian_lecun_format(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    data.write_idx(path, np.array([7, 2], dtype=np.uint8))
    assert path.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 2])


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    path = tmp_path / "images-idx3-ubyte"  # gzip data without .gz
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 1, 42])))
    assert data.read_idx(path).tolist() == [42]


def test_bad_magic_number(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"<html>not found</html>")
    with pytest.raises(DataError) as info:
        data.read_idx(path)
    text = str(info.value)
    assert "magic number" in text and str(path) in text and "grader data fashion-mnist" in text


def test_truncated_raw_file(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte"
    data.write_idx(path, np.zeros((3, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match="truncated") as info:
        data.read_idx(path)
    assert "(3, 28, 28)" in str(info.value)


def test_truncated_gzip_file(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    data.write_idx(path, (np.arange(3 * 28 * 28) % 251).astype(np.uint8).reshape(3, 28, 28))
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match="gzip"):
        data.read_idx(path)


def test_extra_bytes_and_short_header(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 1, 5, 6]))
    with pytest.raises(DataError, match="extra bytes"):
        data.read_idx(path)
    path.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(DataError, match="header"):
        data.read_idx(path)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(DataError, match="too short"):
        data.read_idx(path)


# -- Fashion-MNIST files --------------------------------------------------------------------------

@pytest.mark.parametrize("compress", [True, False])
def test_load_fashion_mnist_like_d2l(tmp_path, compress):
    made = make_fashion(tmp_path, n_train=7, n_test=5, compress=compress)
    train_iter, test_iter = data.load_data_fashion_mnist(3, root=tmp_path)
    batches = list(train_iter)
    assert [len(y) for _, y in batches] == [3, 3, 1]
    X, y = batches[0]
    assert X.dtype == torch.float32 and X.shape == (3, 1, 28, 28)
    assert y.dtype == torch.int64
    assert float(X.min()) >= 0 and float(X.max()) <= 1
    # the test loader is not shuffled: its first batch is the file's first images
    X_test, y_test = next(iter(test_iter))
    images, labels = made["t10k"]
    assert torch.equal(X_test[:, 0], torch.from_numpy(images[:3]).float() / 255)
    assert y_test.tolist() == labels[:3].tolist()
    # every training example appears once per epoch
    seen = torch.cat([y for _, y in train_iter]).sort().values
    assert seen.tolist() == sorted(made["train"][1].tolist())


def test_resize(tmp_path):
    make_fashion(tmp_path)
    train_iter, _ = data.load_data_fashion_mnist(4, resize=32, root=tmp_path)
    X, _ = next(iter(train_iter))
    assert X.shape == (4, 1, 32, 32)


def test_missing_files_say_how_to_get_them(tmp_path):
    make_fashion(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError) as info:
        data.load_data_fashion_mnist(4, root=tmp_path)
    text = str(info.value)
    assert "t10k-labels-idx1-ubyte.gz" in text and "train-images" not in text.split("missing:")[1]
    assert f"grader data fashion-mnist --dir {tmp_path}" in text
    assert "--data synthetic" in text
    assert "下载" in info.value.render("zh")


def test_mismatched_counts_and_bad_labels(tmp_path):
    make_fashion(tmp_path)
    data.write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(6, np.uint8))
    with pytest.raises(DataError, match="expected 7 labels"):
        data.read_fashion_mnist(tmp_path)
    data.write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.full(7, 12, np.uint8))
    with pytest.raises(DataError, match="10 classes"):
        data.read_fashion_mnist(tmp_path)
    data.write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((7, 32, 32), np.uint8))
    with pytest.raises(DataError, match="28x28"):
        data.read_fashion_mnist(tmp_path)


def test_default_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_DATA_DIR", str(tmp_path))
    assert data.default_dir() == tmp_path / "fashion-mnist"


# -- verification and the download path (file:// mirrors only) -----------------------------------

def test_published_md5_sums():
    assert data.FASHION_MNIST_FILES["train-images-idx3-ubyte.gz"] == \
        "8d4fb7e6c68d591d4c3dfef9ec88bf0d"
    assert len(data.FASHION_MNIST_FILES) == 4


def test_download_verifies_md5(tmp_path):
    mirror = tmp_path / "mirror"
    make_fashion(mirror)
    sums = md5s(mirror)
    target = tmp_path / "data"
    events = []
    data.download_fashion_mnist(target, mirrors=[mirror.as_uri()], expected=sums,
                                report=lambda name, status: events.append((name, status)))
    assert md5s(target) == sums
    assert sum(status == "ok" for _, status in events) == 4
    # a second run keeps what is there
    events.clear()
    data.download_fashion_mnist(target, mirrors=[mirror.as_uri()], expected=sums,
                                report=lambda name, status: events.append((name, status)))
    assert [status for _, status in events] == ["present"] * 4


def test_download_rejects_a_wrong_md5_and_tries_the_next_mirror(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    make_fashion(good, seed=1)
    make_fashion(bad, seed=2)
    sums = md5s(good)
    target = tmp_path / "data"
    events = []
    data.download_fashion_mnist(target, mirrors=[bad.as_uri(), good.as_uri()], expected=sums,
                                report=lambda name, status: events.append(status))
    assert md5s(target) == sums
    assert sum(s.startswith("bad ") for s in events) == 4
    assert not list(target.glob("*.part"))


def test_download_failure_is_a_clear_error(tmp_path):
    mirror = tmp_path / "empty"
    mirror.mkdir()
    with pytest.raises(DataError) as info:
        data.download_fashion_mnist(tmp_path / "data", mirrors=[mirror.as_uri()])
    text = str(info.value)
    assert "could not download train-images-idx3-ubyte.gz" in text
    assert mirror.as_uri() in text
    assert not list((tmp_path / "data").glob("*"))


def test_verify(tmp_path):
    make_fashion(tmp_path)
    sums = md5s(tmp_path)
    assert set(data.verify_fashion_mnist(tmp_path, sums).values()) == {"ok"}
    status = data.verify_fashion_mnist(tmp_path)  # the published sums: these files differ
    assert all(len(v) == 32 for v in status.values())
    (tmp_path / "train-images-idx3-ubyte.gz").unlink()
    assert data.verify_fashion_mnist(tmp_path, sums)["train-images-idx3-ubyte.gz"] == "missing"


def test_grader_data_command(tmp_path):
    """`grader data fashion-mnist --mirror file://... --dir DIR`, end to end: these files do not
    have the published sums, so every file is rejected with a clear message."""
    mirror = tmp_path / "mirror"
    make_fashion(mirror)
    target = tmp_path / "data"
    proc = subprocess.run([sys.executable, "-m", "grader", "--lang", "en", "data",
                           "fashion-mnist", "--dir", str(target), "--mirror", mirror.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "wrong MD5" in proc.stdout
    assert "could not download train-images-idx3-ubyte.gz" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "grader", "--lang", "en", "data",
                           "fashion-mnist", "--dir", str(mirror), "--verify"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "expected 8d4fb7e6c68d591d4c3dfef9ec88bf0d" in proc.stdout


# -- synthetic data -------------------------------------------------------------------------------

def test_synthetic_images_are_deterministic_and_balanced():
    X1, y1 = data.synthetic_images(500, seed=3)
    X2, y2 = data.synthetic_images(500, seed=3)
    assert X1.shape == (500, 28, 28) and X1.dtype == np.uint8
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert set(y1.tolist()) == set(range(10))
    assert not np.array_equal(data.synthetic_images(500, seed=4)[0], X1)


def test_synthetic_loaders_look_like_fashion_mnist():
    train_iter, test_iter = data.load_data_synthetic(32, train_size=100, test_size=40)
    assert len(train_iter.dataset) == 100 and len(test_iter.dataset) == 40
    X, y = next(iter(train_iter))
    assert X.shape == (32, 1, 28, 28) and X.dtype == torch.float32 and y.dtype == torch.int64
    assert [len(y) for _, y in test_iter] == [32, 8]
