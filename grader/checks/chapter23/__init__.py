"""Chapter 23 checks: LeNet's architecture and forward pass, the shape table, Xavier
initialisation, accuracy over uneven batches, and the training loop; one module per exercise
(``lenet.py``, ``layer_shapes.py``, ``init_weights.py``, ``evaluate_accuracy.py``,
``train.py``), found from its name.

The learner's network and functions run in the worker. Modules the checks hand to the learner's
code are built there from ``ModuleSpec``s (``grader.module_specs``: torch.nn classes and a state
dict); data travels as lists of ``(X, y)`` batches (``batches.py``), which are iterable again
every epoch. References are computed here, in float64, with PyTorch's own layers (train's:
``reference_trainer.py``); nets and data are tiny so the chapter grades in seconds. Shared by
several exercises: d2l's LeNet as specs (``d2l_lenet.py``), how a check fails and describes
what it got (``failing.py``), the rule for a number the contract calls a float (``floats.py``)
and the graded device (``devices.py``).
"""
