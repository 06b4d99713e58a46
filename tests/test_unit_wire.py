"""grader.wire on its own: the loader of what the learner's worker sends refuses every class,
reduce and global, whatever the pickle; plain data, and what ``encode`` makes of tensors,
modules and stand-ins, arrives intact."""

from __future__ import annotations

import collections
import datetime
import decimal
import fractions
import io
import os
import pathlib
import pickle
import pickletools

import numpy as np
import pytest
import torch

from grader import wire


class Payload:
    """A hostile object: unpickling it would call ``os.system``."""

    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


class Plain:
    def __init__(self):
        self.x = 1


def _opcodes(raw: bytes) -> set[str]:
    return {op.name for op, _, _ in pickletools.genops(raw)}


def _refused(raw: bytes) -> None:
    with pytest.raises(pickle.UnpicklingError, match="refused to load"):
        wire.loads_plain(raw)


OBJECTS = {
    "os.system reduce": Payload(),
    "an instance": Plain(),
    "a class": Plain,
    "a builtin function": len,
    "an exception": ValueError("x"),
    "a tensor": torch.zeros(2),
    "an ndarray": np.zeros(2),
    "a numpy scalar": np.float32(1.0),
    "a dtype": torch.float32,
    "a module": torch.nn.Linear(1, 1),
    "an OrderedDict": collections.OrderedDict(a=1),
    "a defaultdict": collections.defaultdict(list),
    "a deque": collections.deque([1]),
    "a Decimal": decimal.Decimal("1.5"),
    "a Fraction": fractions.Fraction(1, 3),
    "a date": datetime.date(2024, 1, 1),
    "a path": pathlib.PurePosixPath("/etc/passwd"),
    "a range": range(3),
    "a slice": slice(1, 2),
    "an Opaque stand-in": wire.Opaque("T", "t"),
    "a ModuleInfo": wire.ModuleInfo("Linear", "torch.nn.Linear", {}, [], {}, {}),
    "a plain list holding an instance": [1, {"k": (Plain(),)}],
}


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
@pytest.mark.parametrize("name", list(OBJECTS))
def test_every_object_is_refused_in_every_protocol(name, protocol):
    raw = pickle.dumps(OBJECTS[name], protocol=protocol)
    assert _opcodes(raw) & {"GLOBAL", "STACK_GLOBAL", "INST", "OBJ", "REDUCE", "NEWOBJ",
                            "NEWOBJ_EX", "BUILD"}  # each of these pickles needs a class
    _refused(raw)


def _handmade(*ops: bytes) -> bytes:
    return b"".join(ops)


@pytest.mark.parametrize(("name", "raw"), [
    # protocol 0: c<module>\n<name>\n then a tuple and R (REDUCE)
    ("GLOBAL + REDUCE", _handmade(b"cos\nsystem\n(S'true'\ntR.")),
    # protocol 4: the module and name as strings, then STACK_GLOBAL
    ("STACK_GLOBAL", _handmade(b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x93\x94.")),
    # INST: old-style instance creation by name
    ("INST", _handmade(b"(S'true'\nios\nsystem\n.")),
    ("builtins.eval", _handmade(b"cbuiltins\neval\n(S'1+1'\ntR.")),
    ("builtins.getattr", _handmade(b"cbuiltins\ngetattr\n.")),
    ("subprocess", _handmade(b"csubprocess\ncheck_call\n((S'true'\nltR.")),
])
def test_handmade_payloads_are_refused_before_anything_runs(name, raw, tmp_path):
    _refused(raw)


def test_nothing_runs_while_refusing(tmp_path):
    marker = tmp_path / "ran"
    raw = pickle.dumps(_Touch(str(marker)))
    _refused(raw)
    assert not marker.exists()
    assert not pickle.loads(raw) and marker.exists()  # the plain loader would have run it


class _Touch:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


def test_persistent_ids_are_refused_too():
    class WithId(pickle.Pickler):
        def persistent_id(self, obj):
            return "ref" if obj == "secret" else None

    buf = io.BytesIO()
    WithId(buf).dump(["secret"])
    with pytest.raises(pickle.UnpicklingError):
        wire.loads_plain(buf.getvalue())


PLAIN = [None, True, False, 0, -1, 10**40, 1.5, float("inf"), "text", "中文", b"\x00\xff",
         bytearray(b"ab"), (), (1, (2, 3)), [1, [2.0, "x"]], {"a": 1, 2: [None]}, {1, 2},
         frozenset({"a"})]


@pytest.mark.parametrize("value", PLAIN, ids=repr)
def test_plain_data_passes(value):
    assert wire.loads_plain(wire.dumps(value)) == value


@pytest.mark.parametrize("value", [b"x", {1}, frozenset({1})], ids=repr)
def test_protocol_0_needs_a_global_even_for_bytes_and_sets_and_is_refused(value):
    _refused(pickle.dumps(value, protocol=0))  # wire.dumps uses the highest protocol


def test_nan_passes():
    assert np.isnan(wire.loads_plain(wire.dumps(float("nan"))))


def test_a_complex_number_crosses():
    # pickle builds a complex with builtins.complex, which the loader refuses: it travels as
    # its two floats, and a learner's complex result is a value, not a crash
    back = wire.decode(wire.loads_plain(wire.dumps(wire.encode([1 + 2j, (3j,)]))))
    assert back == [1 + 2j, (3j,)] and type(back[0]) is complex


def _cross(value, **options):
    """``value`` as the verdict process gets it from the worker."""
    return wire.decode(wire.loads_plain(wire.dumps(wire.encode(value))), **options)


def test_tensors_cross_as_plain_data_with_their_layout_dtype_and_grad_flags():
    x = torch.arange(6.0).reshape(2, 3).t()  # transposed in memory
    back = _cross(x)
    assert torch.equal(back, x) and not back.is_contiguous() and back.stride() == x.stride()
    p = torch.nn.Parameter(torch.ones(2))
    p.grad = torch.full((2,), 3.0)
    back = _cross(p)
    assert isinstance(back, torch.nn.Parameter) and torch.equal(back.grad, p.grad)
    for dtype in (torch.int64, torch.bool, torch.float16, torch.complex64):
        assert _cross(torch.zeros(3, dtype=dtype)).dtype == dtype
    assert _cross(torch.zeros(0, 2)).shape == (0, 2)


@pytest.mark.parametrize("make", [
    lambda: torch.arange(12.0).reshape(1, 3, 4),  # in memory order: NumPy copies the bytes
    lambda: torch.arange(6, dtype=torch.int32).reshape(2, 3),
    lambda: torch.tensor([True, False, True]),
    lambda: torch.tensor(2.5),  # no axes
    lambda: torch.arange(6.0).to(torch.bfloat16),  # a dtype NumPy lacks
    lambda: torch.arange(4.0).to(torch.uint16),
    lambda: torch.tensor([1 + 2j, 3 - 1j]).conj(),  # a conjugate view
    lambda: torch.arange(4.0)._neg_view(),  # a negative view
    lambda: torch.arange(8.0)[::2],  # a strided view
    lambda: torch.arange(3.0).reshape(3, 1).as_strided((3, 1), (1, 7)),  # odd stride, size 1
    lambda: torch.zeros(0, 3),
], ids=["memory-order", "int32", "bool", "scalar", "bfloat16", "uint16", "conj", "neg",
        "strided", "odd-size-1-stride", "empty"])
def test_every_tensor_crosses_with_its_values_shape_and_dtype(make):
    """Tensors already in memory order take a shortcut through NumPy; the others (and dtypes
    NumPy lacks) the general copy: both arrive the same."""
    x = make()
    back = _cross(x)
    assert back.dtype == x.dtype and back.shape == x.shape
    assert torch.equal(back.resolve_conj().resolve_neg(), x.resolve_conj().resolve_neg())


def test_a_learners_tuple_is_never_mistaken_for_an_encoded_value():
    fake = ("tensor", "float32", (1,), b"\x00" * 4, "cpu", False, False, None, None)
    assert _cross(fake) == fake
    assert _cross(("opaque", "x", "y")) == ("opaque", "x", "y")


def test_other_objects_arrive_as_descriptions_never_objects():
    info = _cross(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU()))
    assert isinstance(info, wire.ModuleInfo)
    assert [m.type_name for m in info.flat()] == ["Conv2d", "ReLU"]
    assert info.children[0][1].hparams["kernel_size"] == (3, 3)
    assert set(info.children[0][1].parameters) == {"weight", "bias"}
    stand_in = _cross(Plain())
    assert isinstance(stand_in, wire.Opaque) and stand_in.type_name == "Plain"
    assert _cross(collections.OrderedDict(a=1)) == {"a": 1}
    assert type(_cross(np.float64(2.5))) is float  # a subclass of float arrives as a float
    assert _cross(np.int64(3)).dtype == np.int64  # not an int: a NumPy value


def test_unknown_tags_and_dtypes_are_refused():
    with pytest.raises(ValueError, match="unknown wire tag"):
        wire.decode(("no such tag", 1))
    bad = wire.encode(torch.zeros(1))
    bad = (bad[0], "object", *bad[2:])
    with pytest.raises(ValueError, match="unsupported dtype"):
        wire.decode(bad)


def test_the_worker_builds_only_torch_nn_classes():
    with pytest.raises(ValueError, match="only torch.nn classes"):
        wire.decode(wire.encode(wire.ModuleSpec("os.system", ("true",))), device_map=str)
    built = wire.decode(wire.encode(wire.ModuleSpec("torch.nn.Linear", (2, 1))))
    assert isinstance(built, torch.nn.Linear)
