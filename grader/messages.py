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
    "culprit": ("{name} calls your {dep_name}, which fails its own check ({outcome}): fix {dep} "
                "first; this exercise may pass once it does.",
                "{name} 调用了你的 {dep_name}，而它自己的检查没有通过（{outcome}）：请先修好 {dep}，"
                "这道题可能随之通过。"),
    "not_started_dep": ("{name} calls {dep} ({file}), which still raises NotImplementedError: "
                        "finish {dep} first.",
                        "{name} 调用了 {dep}（{file}），而它仍然抛出 NotImplementedError：请先完成 {dep}。"),
    "forbidden": ("{name} must be written from scratch, but it called the ready-made operator "
                  "{op}.\n  {where}\nUse plain tensor operations (slicing, sum, matmul, unfold, "
                  "einsum) instead.",
                  "{name} 需要从零实现，但它调用了现成的算子 {op}。\n  {where}\n"
                  "请改用基本的张量运算（切片、sum、matmul、unfold、einsum）。"),
    "forbidden_file": ("your code opened {op}; it is graded on its own, so reading or importing "
                       "the reference is not allowed.\n  {where}",
                       "你的代码打开了{op}；评分只针对你自己的代码，不允许读取或导入参考答案。\n  {where}"),
    "memory": ("{call} ran out of memory (the limit for your code is {limit} MB): {message}\n"
               "on the input:\n{inputs}",
               "{call} 内存不足（你的代码的内存上限为 {limit} MB）：{message}\n输入为：\n{inputs}"),
    "raised": ("{call} raised {type}: {message}\n{traceback}on the input:\n{inputs}{output}",
               "{call} 抛出了 {type}：{message}\n{traceback}输入为：\n{inputs}{output}"),
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
    "import_failed": ("{module}.py could not be imported: {type}: {message}\n{traceback}{output}",
                      "无法导入 {module}.py：{type}：{message}\n{traceback}{output}"),
    "import_d2l": ("{module}.py imports d2l (the book's `from d2l import torch as d2l`), but "
                   "{missing} is not installed here.\n{traceback}The grader does not need d2l; "
                   "to run the book's code, install it without the old versions it pins: "
                   "`pip install d2l==1.0.3 --no-deps`, and torchvision from the same index "
                   "as torch (Linux without a GPU: `pip install torchvision --index-url "
                   "https://download.pytorch.org/whl/cpu`; elsewhere `pip install "
                   "torchvision`). Or remove the import when the exercises do not use it.",
                   "{module}.py 导入了 d2l（书中的 `from d2l import torch as d2l`），但这里没有"
                   "安装 {missing}。\n{traceback}评分器不需要 d2l；如需运行书中的代码，请安装它，"
                   "但不要安装它锁定的旧版本依赖：`pip install d2l==1.0.3 --no-deps`，并从与 torch "
                   "相同的索引安装 torchvision（没有 GPU 的 Linux：`pip install torchvision "
                   "--index-url https://download.pytorch.org/whl/cpu`；其他系统：`pip install "
                   "torchvision`）。如果练习用不到 d2l，也可以删掉这行导入。"),
    "import_d2l_again": ("{module}.py could not be imported: {missing} is not installed (see "
                         "{first} for how to install it).",
                         "无法导入 {module}.py：没有安装 {missing}（安装方法见 {first}）。"),
    "not_utf8": ("{file} is not saved as UTF-8 (line {line} has bytes UTF-8 cannot read: GBK or "
                 "another ANSI code page?). Save the file as UTF-8 — VS Code: click the encoding "
                 "in the status bar, \"Save with Encoding\", UTF-8; Notepad: Save As, Encoding "
                 "UTF-8 — and check again.",
                 "{file} 没有以 UTF-8 编码保存（第 {line} 行含有 UTF-8 无法读取的字节：可能是 GBK "
                 "或其他 ANSI 编码）。请把文件另存为 UTF-8 —— VS Code：点击状态栏中的编码，选择"
                 "“通过编码保存”，再选 UTF-8；记事本：“另存为”，编码选 UTF-8 —— 然后重新检查。"),
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
    "output": ("\nYour code printed:\n{text}", "\n你的代码打印了：\n{text}"),
    # mismatch rendering
    "mm.wrong": ("{call} returned a wrong result.", "{call} 返回的结果不正确。"),
    "mm.input": ("Smallest failing input found:", "找到的最小反例输入："),
    "mm.input_fixed": ("Failing input:", "出错的输入："),
    "mm.tensor_head": ("tensor of shape {shape}, {dtype}", "张量，形状 {shape}，{dtype}"),
    "mm.noncontiguous": (", transposed in memory (not contiguous: use reshape, not view; "
                         "take strides from X.stride())",
                         "，内存中为转置布局（非连续：请用 reshape 而不是 view；步幅请取 X.stride()）"),
    "mm.ndarray_head": ("numpy.ndarray of shape {shape}, not a tensor",
                        "numpy.ndarray，形状 {shape}，不是张量"),
    "mm.no_input": ("(no input)", "（无输入）"),
    "mm.expected": ("expected", "期望"),
    "mm.got": ("got     ", "实际"),
    "mm.not_tensor": ("expected a torch.Tensor, got {got}.", "期望得到 torch.Tensor，实际得到 {got}。"),
    "mm.shape": ("expected shape {expected}, got {got}", "期望形状 {expected}，实际形状 {got}"),
    "mm.dtype_float": ("expected a floating-point tensor, got dtype {got}",
                       "期望浮点张量，实际 dtype 为 {got}"),
    "mm.device": ("the result is on {got} but the inputs are on {expected}: create new tensors "
                  "where the input is, e.g. torch.zeros(shape, device=X.device) (d2l's code "
                  "creates them on the CPU), and check the functions this one calls too",
                  "结果位于 {got}，但输入位于 {expected}：新建的张量要放在输入所在的设备上，例如 "
                  "torch.zeros(shape, device=X.device)（d2l 的代码在 CPU 上创建），"
                  "也请检查它调用的函数"),
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
    "report.same_import": ("the same error as above: {module}.py could not be imported.",
                           "与上面相同的错误：无法导入 {module}.py。"),
    "report.next_fix": ("Next: fix line {line} of {file}, then grade again.",
                        "下一步：修改 {file} 的第 {line} 行，然后重新评分。"),
    "target.typo_joined": ("note: read `{given}` as `{target}`", "提示：已将 `{given}` 当作 `{target}`"),
    "target.did_you_mean": (" Did you mean {suggestion}?", "你是不是想输入 {suggestion}？"),
    "mm.not_tensor_ndarray": ("expected a torch.Tensor, got a numpy.ndarray: return "
                              "torch.from_numpy(a) (or torch.tensor(a)) instead.",
                              "期望得到 torch.Tensor，实际得到 numpy.ndarray：请返回 "
                              "torch.from_numpy(a)（或 torch.tensor(a)）。"),
    "report.next": ("Next: {name}. `grader hint {name}` gives a hint.",
                    "下一题：{name}。运行 `grader hint {name}` 查看提示。"),
    "report.grading": ("Grading {folder}", "正在评分 {folder}"),
    # -- chapter 20-22 checks (helper A adds here) --
    "raise.missing": ("{call} returned {got} where it must raise {expected}{why}.\n"
                      "The input was:\n{inputs}",
                      "{call} 返回了 {got}，但这里应该抛出 {expected}{why}。\n输入为：\n{inputs}"),
    "raise.wrong_type": ("{call} raised {type} ({message}) where it must raise {expected}{why}.\n"
                         "{traceback}The input was:\n{inputs}",
                         "{call} 抛出了 {type}（{message}），但这里应该抛出 {expected}{why}。\n"
                         "{traceback}输入为：\n{inputs}"),
    "raise.no_message": ("{call} raised {expected} without a message. Say what is wrong, "
                         "e.g. raise {expected}(\"the kernel (5) is larger than the padded input "
                         "(3)\").\nThe input was:\n{inputs}",
                         "{call} 抛出的 {expected} 没有说明信息。请说明哪里有问题，例如 "
                         "raise {expected}(\"卷积核（5）大于填充后的输入（3）\")。\n输入为：\n{inputs}"),
    # -- chapter 23 checks, data and training (helper B adds here) --
    "ch23.not_module": ("expected an nn.Module (e.g. nn.Sequential), got {got}",
                        "期望得到 nn.Module（例如 nn.Sequential），实际得到 {got}"),
    "ch23.layer": ("layer {number} is {got}, expected {expected}. Your network's layers:\n{table}",
                   "第 {number} 层是 {got}，期望 {expected}。你的网络的各层：\n{table}"),
    "ch23.param_count": ("the network has {got} parameters, expected {expected}",
                         "网络有 {got} 个参数，期望 {expected} 个"),
    "ch23.param_shapes": ("the parameters' shapes, in order, are {got}, expected {expected}",
                          "各参数的形状依次为 {got}，期望 {expected}"),
    "ch23.table_row": ("entry {number} is {got!r}, expected {expected!r} ({rows} entries, "
                       "expected {want_rows})",
                       "第 {number} 项是 {got!r}，期望 {expected!r}（共 {rows} 项，期望 {want_rows} 项）"),
    "ch23.init_changed": ("{name} was changed; only the weights of nn.Linear and nn.Conv2d may "
                          "change", "{name} 被改动了；只能改动 nn.Linear 和 nn.Conv2d 的权重"),
    "ch23.init_unchanged": ("{name} still holds the values it had before: it was not "
                            "initialised", "{name} 仍是原来的值：它没有被初始化"),
    "ch23.init_bound": ("{name} has values up to {got:.4g} in magnitude, beyond Xavier's bound "
                        "sqrt(6 / (fan_in + fan_out)) = {bound:.4g}",
                        "{name} 的数值绝对值最大为 {got:.4g}，超出了 Xavier 的上界 "
                        "sqrt(6 / (fan_in + fan_out)) = {bound:.4g}"),
    "ch23.init_spread": ("{name} is not spread uniformly over [-{bound:.4g}, {bound:.4g}]: its "
                         "standard deviation is {std:.4g} (uniform: {want_std:.4g}), its largest "
                         "magnitude {largest:.4g}",
                         "{name} 没有均匀分布在 [-{bound:.4g}, {bound:.4g}] 上：标准差为 {std:.4g}"
                         "（均匀分布应为 {want_std:.4g}），绝对值最大为 {largest:.4g}"),
    "ch21.one_matmul": ("{call} returns the right values, but not from ONE matrix "
                        "multiplication (matrix products it used: {got}; on X of shape {shape}, "
                        "K of shape {kernel}). The exercise is d2l's identity: a 1 x 1 "
                        "convolution is K reshaped to (c_o, c_i) times X reshaped to "
                        "(c_i, h * w); no loop over channels or pixels, no broadcasting and "
                        "summing, no per-channel correlation.",
                        "{call} 返回的数值正确，但不是由一次矩阵乘法得到的（用到的矩阵乘法：{got}；"
                        "X 的形状为 {shape}，K 的形状为 {kernel}）。本练习要体现 d2l 的结论：1 x 1 "
                        "卷积就是把 K 变形为 (c_o, c_i)，乘以变形为 (c_i, h * w) 的 X；"
                        "不要遍历通道或像素，不要用广播再求和，也不要逐通道做互相关。"),
    "ch23.not_float": ("expected a Python float, got {got}", "期望得到 Python 浮点数，实际得到 {got}"),
    "ch23.still_training": ("the net is still in training mode afterwards: call net.eval() "
                            "before predicting (dropout and batch norm behave differently in "
                            "training mode)",
                            "调用之后网络仍处于训练模式：预测之前请调用 net.eval()（dropout 和批量规范化在训练"
                            "模式下的行为不同）"),
    "ch23.not_training": ("a training step ran with the net in evaluation mode: call "
                          "net.train() at the start of every epoch, as d2l's train_ch6 does "
                          "(the net arrives in eval mode here, and evaluate_accuracy leaves it "
                          "so; dropout and batch norm need training mode to learn)",
                          "有训练步骤在网络处于评估模式时运行：请像 d2l 的 train_ch6 那样，在每个"
                          "迭代周期开始时调用 net.train()（这里传入的网络处于评估模式，"
                          "evaluate_accuracy 也会让它保持评估模式；dropout 和批量规范化需要训练模式"
                          "才能学习）"),
    "ch23.accuracy": ("expected {expected:.6g}, got {got:.6g} (correct/examples per batch: "
                      "{counts})",
                      "期望 {expected:.6g}，实际 {got:.6g}（各批量的 正确数/样本数：{counts}）"),
    "ch23.history": ("expected a dict with the lists train_loss, train_acc and test_acc, one "
                     "number per epoch ({epochs} here), got {got}",
                     "期望得到一个字典，包含 train_loss、train_acc 和 test_acc 三个列表，每个迭代周期一个"
                     "数（这里是 {epochs} 个），实际得到 {got}"),
    "ch23.history_value": ("in epoch {epoch}, {series} is {got:.6g}, expected {expected:.6g}\n"
                           "  {series} per epoch: got [{values}], expected [{want_values}]",
                           "第 {epoch} 个迭代周期的 {series} 为 {got:.6g}，期望 {expected:.6g}\n"
                           "  各迭代周期的 {series}：实际 [{values}]，期望 [{want_values}]"),
    "data.unreadable": ("cannot read {file}: {reason}", "无法读取 {file}：{reason}"),
    "data.corrupt": ("{file} is not a valid IDX file: {reason}. Delete it and download it again "
                     "(`grader data fashion-mnist`).",
                     "{file} 不是有效的 IDX 文件：{reason}。请删除它并重新下载"
                     "（`grader data fashion-mnist`）。"),
    "data.missing": ("Fashion-MNIST was not found in {folder} (missing: {missing}). Run "
                     "`{command}` to download it (about 30 MB), or copy the four files from "
                     "https://github.com/zalandoresearch/fashion-mnist (data/fashion) into that "
                     "folder. Without them, `--data synthetic` trains on generated images.",
                     "在 {folder} 中找不到 Fashion-MNIST（缺少：{missing}）。运行 `{command}` 下载"
                     "（约 30 MB），或者从 https://github.com/zalandoresearch/fashion-mnist"
                     "（data/fashion）把这四个文件复制到该文件夹。没有这些文件时，`--data synthetic` "
                     "使用生成的图像训练。"),
    "data.download_failed": ("could not download {file} into {folder}:\n  {reasons}\nCheck "
                             "the network connection, or download the file by hand and put "
                             "it in that folder.",
                             "无法把 {file} 下载到 {folder}：\n  {reasons}\n请检查网络连接，或者手动"
                             "下载该文件并放到该文件夹中。"),
    "data.file_present": ("  {file}: already there, MD5 ok", "  {file}：已存在，MD5 正确"),
    "data.file_downloading": ("  {file}: downloading {url}", "  {file}：正在下载 {url}"),
    "data.file_ok": ("  {file}: MD5 ok", "  {file}：MD5 正确"),
    "data.file_bad": ("  {file}: wrong MD5 {md5}, file discarded",
                      "  {file}：MD5 {md5} 不正确，已丢弃该文件"),
    "data.file_failed": ("  {file}: failed ({reason})", "  {file}：失败（{reason}）"),
    "data.verify_ok": ("  {file}: MD5 ok", "  {file}：MD5 正确"),
    "data.verify_missing": ("  {file}: missing", "  {file}：缺失"),
    "data.verify_bad": ("  {file}: MD5 {md5}, expected {expected}",
                        "  {file}：MD5 为 {md5}，期望 {expected}"),
    "data.verify_failed": ("Some files are missing or damaged: run `{command}` to download "
                           "them again.", "有文件缺失或损坏：运行 `{command}` 重新下载。"),
    "data.ready": ("Fashion-MNIST is ready in {folder}: {train} training and {test} test images.",
                   "Fashion-MNIST 已就绪，位于 {folder}：{train} 张训练图像，{test} 张测试图像。"),
    "train.no_file": ("{file} was not found in {folder}", "在 {folder} 中找不到 {file}"),
    "train.unchecked": ("note: your train() has not been checked yet; `grader check chapter23.train` "
                        "tells whether these curves can be trusted.",
                        "提示：你的 train() 还没有评分；运行 `grader check chapter23.train` 看看这些曲线是否可信。"),
    "train.check_failed": ("note: your train() did not pass its last check ({outcome}): the curves "
                           "below may be wrong. `grader check chapter23.train` shows why.",
                           "提示：你的 train() 上次评分未通过（{outcome}）：下面的曲线可能不对。"
                           "运行 `grader check chapter23.train` 查看原因。"),
    "train.start": ("Training lenet() from {folder} on {data} data: {epochs} epochs, lr {lr:g}, "
                    "batch size {batch_size}.",
                    "用 {data} 数据训练 {folder} 中的 lenet()：{epochs} 个迭代周期，学习率 {lr:g}，"
                    "批量大小 {batch_size}。"),
    "train.data": ("{train} training and {test} test examples, {batches} batches per epoch, "
                   "on {device}", "{train} 个训练样本，{test} 个测试样本，每个迭代周期 {batches} "
                   "个批量，设备 {device}"),
    "train.epoch": ("epoch", "迭代周期"),
    "train.per_second": ("examples/sec", "样本/秒"),
    "train.table_head": ("  epoch  train loss  train acc  test acc",
                         "  周期    训练损失    训练准确率  测试准确率"),
    "train.final": ("loss {loss:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}",
                    "损失 {loss:.3f}，训练准确率 {train_acc:.3f}，测试准确率 {test_acc:.3f}"),
    "train.speed": ("{speed:.1f} examples/sec on {device}", "{speed:.1f} 样本/秒，设备 {device}"),
    "train.plot": ("Plot written to {file}", "曲线图已保存到 {file}"),
    "train.no_matplotlib": ("no plot: matplotlib is not installed (pip install matplotlib, or "
                            "the plot extra: pip install \"convgrade[plot]\")",
                            "未画图：没有安装 matplotlib（`pip install matplotlib`，或安装 plot "
                            "附加依赖：`pip install \"convgrade[plot]\"`）"),
    "train.bad_history": ("train() returned {got}; expected a dict with the lists train_loss, "
                          "train_acc and test_acc, one number per epoch (`grader check "
                          "chapter23.train` says more). The plot shows what was measured "
                          "while it ran.",
                          "train() 返回了 {got}；期望得到一个字典，包含 train_loss、train_acc 和 "
                          "test_acc 三个列表，每个迭代周期一个数（`grader check chapter23.train` "
                          "会给出详细信息）。曲线图显示的是训练过程中测量到的值。"),
    "train.no_init": ("note: init_weights is not written yet; training from PyTorch's default "
                      "initialisation.",
                      "注意：init_weights 还没有完成；使用 PyTorch 的默认初始化进行训练。"),
    "train.not_started": ("{name} still raises NotImplementedError: grader train needs your "
                          "lenet() and train() (and uses init_weights when it is written). "
                          "`grader check chapter23` shows what is left.",
                          "{name} 仍然抛出 NotImplementedError：grader train 需要你的 lenet() 和 "
                          "train()（init_weights 完成后也会使用它）。运行 `grader check chapter23` "
                          "查看还剩哪些练习。"),
    "train.missing": ("{file} defines no `{name}`: keep the names and signatures of the stub.",
                      "{file} 中没有定义 `{name}`：请保留练习模板中的名称和签名。"),
    "train.not_module": ("lenet() returned {got}, not an nn.Module",
                         "lenet() 返回了 {got}，而不是 nn.Module"),
    "train.raised": ("{call} raised {type}: {message}\n{traceback}Training stopped. "
                     "`grader check chapter23` tests each function on small inputs.",
                     "{call} 抛出了 {type}：{message}\n{traceback}训练已停止。"
                     "`grader check chapter23` 会用小输入逐个测试每个函数。"),
    "train.died": ("the training process died: {how}. If it ran out of memory, try a smaller "
                   "--batch-size.",
                   "训练进程崩溃了：{how}。如果是内存不足，请尝试更小的 --batch-size。"),
    "train.interrupted": ("training interrupted", "训练已中断"),
    # -- instructor commands: release, grade, gradescope, junit (helper C adds here) --
    "release.skipped": ("note: {chapter} skipped: {solution} does not exist yet.",
                        "注意：跳过 {chapter}：{solution} 尚不存在。"),
    "release.not_in_catalog": ("note: {solution} is not a chapter in grader/catalog.toml: "
                               "no stub is generated for it.",
                               "注意：{solution} 不是 grader/catalog.toml 中的章节，不会为它生成练习模板。"),
    "release.no_markers": ("{solution} has no `# BEGIN SOLUTION` region, so its stub would "
                           "publish the solution: mark the solution code, then run again.",
                           "{solution} 中没有 `# BEGIN SOLUTION` 区域，生成的模板会泄露答案："
                           "请标记答案代码后重试。"),
    "release.bad_stub": ("the stub generated from {solution} is not valid Python (line {line}: "
                         "{message}): check the indentation of its solution markers.",
                         "由 {solution} 生成的模板不是合法的 Python（第 {line} 行：{message}）："
                         "请检查答案标记的缩进。"),
    "release.error": ("error: {error}", "错误：{error}"),
    "release.missing_stub": ("{file}: missing ({solution} generates it).",
                             "{file}：缺失（应由 {solution} 生成）。"),
    "release.differs": ("{file}:{line}: differs from the stub that {solution} generates\n"
                        "  expected: {expected}\n  found:    {found}",
                        "{file}:{line}：与 {solution} 生成的模板不一致\n"
                        "  应为：{expected}\n  实际：{found}"),
    "release.eof": ("(end of file)", "（文件结束）"),
    "release.check_failed": ("{count} stub file(s) in {out} differ from solutions/: run "
                             "`grader release` to regenerate them (--force replaces edited "
                             "files, after a backup).",
                             "{out} 中有 {count} 个模板文件与 solutions/ 不一致：运行 "
                             "`grader release` 重新生成（--force 会先备份再替换已修改的文件）。"),
    "release.check_ok": ("{count} stub file(s) in {out} match solutions/.",
                         "{out} 中的 {count} 个模板文件与 solutions/ 一致。"),
    "release.refused": ("{file} differs from its stub from line {line} on (your work?): not "
                        "overwritten. `grader release --force` backs it up under "
                        ".grader/backups/ and replaces it.",
                        "{file} 从第 {line} 行起与模板不同（是你的代码吗？）：未覆盖。"
                        "`grader release --force` 会先把它备份到 .grader/backups/ 再替换。"),
    "release.backed_up": ("backed up {file} to {backup}", "已将 {file} 备份到 {backup}"),
    "release.written": ("wrote {file}", "已生成 {file}"),
    "release.summary": ("{written} written, {unchanged} unchanged, {refused} refused.",
                        "生成 {written} 个，未变 {unchanged} 个，拒绝覆盖 {refused} 个。"),
    "grade.notebooks": ("this submission has notebooks but no chapter .py files; notebook "
                        "grading is not available yet, so it was not graded.",
                        "该提交只有 notebook，没有章节 .py 文件；暂不支持评阅 notebook，因此未评分。"),
    "grade.timeout": ("grading this submission did not finish within {seconds:g} s, so it was "
                      "stopped and no exercise could be scored. Look for an endless loop or very "
                      "slow code at the top level of a chapter file, then submit again.",
                      "本次提交的评分未能在 {seconds:g} 秒内完成，已被终止，所有练习都无法计分。"
                      "请检查章节文件顶层是否有死循环或非常慢的代码，然后重新提交。"),
    "grade.crashed": ("the process grading this submission died ({how}) before it wrote a "
                      "report (too much memory?).{output}",
                      "评分进程在写出报告之前崩溃了（{how}）（内存用得太多？）。{output}"),
    "grade.failed": ("the grader could not grade this submission (exit status {code}). This is "
                     "not your fault: please tell your instructor.{output}",
                     "评分器无法评阅本次提交（退出状态 {code}）。这不是你的问题：请告知老师。{output}"),
    "grade.grading": ("Grading", "评分中"),
    "grade.progress": ("{rate:.1f}/min, {eta} left, {problems} not graded normally",
                       "每分钟 {rate:.1f} 份，剩余约 {eta}，{problems} 份未正常评分"),
    "grade.reused": ("{count} up to date (not graded again; --regrade grades every student)",
                     "{count} 份结果已是最新（未重新评分；--regrade 会重新评阅所有学生）"),
    "merge.written": ("Merged {shards} shards ({students} students) into {out}",
                      "已将 {shards} 个分片（{students} 名学生）合并到 {out}"),
    "summary.pass_rate": ("pass rate", "通过率"),
    "summary.scores": ("Score distribution", "分数分布"),
    "summary.slowest": ("Slowest submissions", "最慢的提交"),
    "summary.outcomes": ("outcomes", "结果"),
    "summary.diagnosis": ("most common diagnosis", "最常见的诊断"),
    "summary.students": ("students", "学生数"),
    "grade.line": ("[{done}/{total}] {student}: {score:g}/{max_score:g} ({status}, "
                   "{seconds:.0f} s)",
                   "[{done}/{total}] {student}：{score:g}/{max_score:g}（{status}，{seconds:.0f} 秒）"),
    "grade.status.graded": ("graded", "已评分"),
    "grade.status.timeout": ("timed out", "超时"),
    "grade.status.crashed": ("crashed", "崩溃"),
    "grade.status.failed": ("grader failed", "评分器出错"),
    "grade.status.notebooks": ("not graded: notebooks only", "未评分：只有 notebook"),
    "grade.summary_title": ("Per-exercise summary", "各练习汇总"),
    "grade.table_head": ("exercise|points|passed|most common failure|most common diagnosis",
                         "练习|分值|通过|最常见的失败|最常见的诊断"),
    "grade.summary_line": ("{graded}/{students} submissions graded, mean score "
                           "{mean:g}/{max_score:g}",
                           "已评 {graded}/{students} 份提交，平均分 {mean:g}/{max_score:g}"),
    "grade.written": ("Wrote results.json per student, gradebook.csv, summary.json, summary.md "
                      "and summary.html to {out}",
                      "已将每位学生的 results.json、gradebook.csv、summary.json、summary.md 和 "
                      "summary.html 写入 {out}"),
    "gradescope.written": ("wrote {zip}: {count} exercises ({targets}), {points:g} points. "
                           "Upload it as the autograder of a Gradescope programming assignment.",
                           "已生成 {zip}：{count} 道练习（{targets}），共 {points:g} 分。"
                           "请把它上传为 Gradescope 编程作业的自动评分器。"),
    # -- grader init --
    "init.not_a_folder": ("{dir} exists and is not a folder: give `grader init` a folder name, "
                          "e.g. `grader init course`",
                          "{dir} 已存在且不是文件夹：请给 `grader init` 一个文件夹名，例如 "
                          "`grader init course`"),
    "init.no_course": ("this installation of convgrade has no course files (no exercises/ in "
                       "{where}): reinstall it from its wheel or sdist (`pip install --force-reinstall "
                       "convgrade`), or run the grader inside a clone of the course repository",
                       "这个 convgrade 安装中没有课程文件（{where} 中没有 exercises/）：请从 wheel 或 "
                       "sdist 重新安装（`pip install --force-reinstall convgrade`），或在课程仓库的"
                       "克隆中运行评分器"),
    "init.cannot_write": ("could not write {file}: {error}", "无法写入 {file}：{error}"),
    "init.written": ("  wrote {file}", "  已写入 {file}"),
    "init.kept": ("  kept  {file} (it already exists; init never overwrites)",
                  "  保留  {file}（文件已存在；init 从不覆盖）"),
    "init.gitignore_kept": ("  note: {file} exists and does not ignore .grader/; add the line "
                            "`.grader/` to it to keep the grader's state out of git",
                            "  提示：{file} 已存在，但没有忽略 .grader/；请在其中加入一行 `.grader/`，"
                            "以免评分器的状态进入 git"),
    "init.done": ("Course folder ready: {dir} ({written} written, {kept} kept).\n"
                  "Next: {cd}grader check chapter19   (then open exercises/chapter19_conv.py)",
                  "课程文件夹已就绪：{dir}（写入 {written} 个，保留 {kept} 个）。\n"
                  "下一步：{cd}grader check chapter19   （然后打开 exercises/chapter19_conv.py）"),
    "init.failed": ("The course folder {dir} is incomplete: {failed} file(s) could not be written.",
                    "课程文件夹 {dir} 不完整：有 {failed} 个文件无法写入。"),
    "gradescope.no_sandbox": ("this submission was not graded: the autograder is configured to "
                              "grade in a sandbox, and none can be had on this machine ({why}). "
                              "This is not your fault: please tell your instructor (rebuild the "
                              "bundle with `grader gradescope --no-sandbox` to grade without "
                              "one).",
                              "本次提交未评分：自动评分器被配置为在沙箱中评分，但这台机器上无法"
                              "建立沙箱（{why}）。这不是你的问题：请告知老师（用 `grader "
                              "gradescope --no-sandbox` 重新生成评分包即可不用沙箱评分）。"),
    "isolation.none": ("no sandbox can be had here ({why}): install bubblewrap (Debian/Ubuntu: "
                       "apt-get install bubblewrap), run the grader as root for the dedicated-"
                       "user fallback, or pass --no-sandbox to grade without one",
                       "这里无法建立沙箱（{why}）：请安装 bubblewrap（Debian/Ubuntu："
                       "apt-get install bubblewrap），或以 root 运行评分器以使用专用用户，"
                       "或加 --no-sandbox 不用沙箱评分"),
    "forbidden.tampered": ("the from-scratch guard (the grader's own code in your process) was "
                           "switched off or changed",
                           "“从零实现”检查（评分器在你的进程中的代码）被关闭或修改了"),
    # -- notebooks (helper D adds here) --
    "nb.howto": ("**How this notebook works.** Run the setup cell first. Then, for each exercise, "
                 "replace `raise NotImplementedError` in its code cell with your code, run the "
                 "cell, and run the check cell below it. `grader.check(...)` grades the "
                 "functions and classes this notebook has run, in a separate process, with the "
                 "same checks as `grader check` in a terminal; code outside them (examples, "
                 "prints) stays in the notebook. Imports of other chapters (`from "
                 "chapter19_conv import corr2d`) come from the project's `exercises/` folder, "
                 "unless you define the name in this notebook. In a terminal, "
                 "`grader check {file}` grades the saved notebook.",
                 "**如何使用本笔记本。** 先运行设置单元格。然后对每道练习：把代码单元格中的 "
                 "`raise NotImplementedError` 替换为你的代码，运行该单元格，再运行它下面的检查单元格。"
                 "`grader.check(...)` 在一个独立的进程中，用与终端里 `grader check` 相同的检查，"
                 "为本笔记本运行过的函数和类评分；它们之外的代码（示例、打印）只留在笔记本中。"
                 "对其他章节的导入（`from chapter19_conv import corr2d`）来自项目的 `exercises/` "
                 "文件夹，除非你在本笔记本中定义了该名称。在终端中运行 `grader check {file}` "
                 "可为保存的笔记本评分。"),
    "nb.howto_other_chapters": (
        "Without a project folder (a notebook opened alone, on Colab or in plain Jupyter), "
        "another chapter's functions come from your notebook of that chapter in the same folder "
        "(`chapter19_conv.ipynb`); when there is none, the setup cell names what to define here.",
        "没有项目文件夹时（单独打开的笔记本，在 Colab 或普通 Jupyter 中），其他章节的函数来自同一"
        "文件夹中你那一章的笔记本（`chapter19_conv.ipynb`）；如果没有，设置单元格会列出需要在这里"
        "定义的名称。"),
    "nb.install": ("Install the grader, once (skipped when it is installed already). convgrade "
                   "is not on PyPI yet: put the wheel from your instructor ({wheel}) next to "
                   "this notebook (on Colab: the Files panel, then Upload), or set CONVGRADE "
                   "to its URL.",
                   "安装评分器，只需一次（已安装时跳过）。convgrade 还没有发布到 PyPI：请把老师给你的 "
                   "wheel 文件（{wheel}）放在本笔记本旁边（Colab：左侧“文件”面板中上传），或把 "
                   "CONVGRADE 设为它的网址。"),
    "nb.install_missing": ("{{CONVGRADE}} not found: upload it next to this notebook (Colab: "
                           "Files panel, Upload) or set CONVGRADE to its URL, then run this cell "
                           "again.",
                           "找不到 {{CONVGRADE}}：请把它上传到本笔记本旁边（Colab：“文件”面板中上传），"
                           "或把 CONVGRADE 设为它的网址，然后重新运行此单元格。"),
    "nb.setup_standalone": ("convgrade: {chapter}; no exercises/ folder here: other chapters "
                            "come from your notebooks in {folder}",
                            "convgrade：{chapter}；这里没有 exercises/ 文件夹：其他章节来自 "
                            "{folder} 中你的笔记本"),
    "nb.earlier_from": ("  {names} (chapter {number}): from {notebook}",
                        "  {names}（第 {number} 章）：来自 {notebook}"),
    "nb.earlier_missing": ("  {names} (chapter {number}): not found, neither {module}.py nor "
                           "{module}.ipynb is in {folder}. Define {names} in a cell of this "
                           "notebook (your own code from chapter {number}), or put your "
                           "{module}.ipynb there and run this cell again.",
                           "  {names}（第 {number} 章）：找不到，{folder} 中既没有 {module}.py 也"
                           "没有 {module}.ipynb。请在本笔记本的单元格中定义 {names}（你在第 "
                           "{number} 章写的代码），或把你的 {module}.ipynb 放到那里后重新运行此"
                           "单元格。"),
    "nb.earlier_undefined": ("{name} comes from chapter {number} ({module}), which is not here: "
                             "define {name} in this notebook, or put your {module}.ipynb next "
                             "to it and run the setup cell again.",
                             "{name} 来自第 {number} 章（{module}），但这里没有它：请在本笔记本中"
                             "定义 {name}，或把你的 {module}.ipynb 放在旁边并重新运行设置单元格。"),
    "nb.formula": ("Key formula", "核心公式"),
    "nb.exercise": ("Exercise {number}: `{signature}` ({points:g} pt)",
                    "练习 {number}：`{signature}`（{points:g} 分）"),
    "nb.given": ("Given code: run this cell, no need to change it.",
                 "给定代码：运行此单元格即可，无需修改。"),
    "nb.setup": ("Setup: run this cell first (and again after restarting the kernel).",
                 "设置：请先运行此单元格（重启内核后也要重新运行）。"),
    "nb.check_all": ("Grade the whole chapter", "为整章评分"),
    "nb.setup_done": ("convgrade: {chapter}; other chapters are imported from {folder}",
                      "convgrade：{chapter}；其他章节从 {folder} 导入"),
    "nb.written": ("Wrote {path}. Open it with `jupyter lab {path}`.",
                   "已写入 {path}。用 `jupyter lab {path}` 打开它。"),
    "nb.exists": ("{path} already exists: pass --force to overwrite it (the work in it would be "
                  "lost).", "{path} 已存在：如需覆盖请加上 --force（其中的内容会丢失）。"),
    "nb.no_source": ("{file} is in neither {folders}: there is nothing to make a notebook from.",
                     "{folders} 中都没有 {file}：无法生成笔记本。"),
    "nb.out_folder": ("with several chapters, --out must be a folder, not {path}.",
                      "生成多个章节时，--out 必须是文件夹，而不是 {path}。"),
    "nb.unreadable": ("{path} is not a readable notebook: {error}",
                      "{path} 不是可读取的笔记本：{error}"),
    "nb.one_notebook": ("grade one notebook at a time (got {paths}).",
                        "一次只能为一个笔记本评分（收到了 {paths}）。"),
    "nb.missing": ("{path}: no such notebook.", "{path}：找不到该笔记本。"),
    "nb.no_chapter": ("cannot tell which chapter {path} holds: it has no convgrade metadata and no "
                      "grader.check(...) cell naming a chapter. Make a fresh notebook with "
                      "`grader notebook CHAPTER`.",
                      "无法判断 {path} 属于哪一章：它没有 convgrade 元数据，也没有指明章节的 "
                      "grader.check(...) 单元格。请用 `grader notebook CHAPTER` 重新生成笔记本。"),
    "nb.other_chapter": ("{target} is not in {chapter}, the chapter this notebook holds.",
                         "{target} 不属于 {chapter}（本笔记本所属的章节）。"),
    "nb.one_chapter": ("grader.check() grades one chapter at a time, the notebook's; {targets} "
                       "spans several.",
                       "grader.check() 一次只为一个章节（本笔记本的章节）评分；{targets} 涉及多个章节。"),
    "nb.not_in_kernel": ("grader.check() grades the code a Jupyter notebook has run; outside a "
                         "notebook, run `grader check {target}` in a terminal.",
                         "grader.check() 为 Jupyter 笔记本运行过的代码评分；在笔记本之外，"
                         "请在终端中运行 `grader check {target}`。"),
    "nb.verdict_failed": ("the grading process failed (exit status {code}). This is not your "
                          "fault: please report it.\n{detail}",
                          "评分进程失败（退出状态 {code}）。这不是你的问题：请报告此错误。\n{detail}"),
    # -- learner commands: list, hint, watch, reset, solution (helper E adds here) --
    # list
    "list.chapter": ("Chapter {number} — {title}  ({passed}/{total} passed)",
                     "第 {number} 章 — {title}（已通过 {passed}/{total}）"),
    "list.unchecked": ("not checked", "未检查"),
    "list.next_marker": ("← next", "← 下一题"),
    "list.stale": ("(file edited since)", "（评分后文件有改动）"),
    "list.summary": ("{passed}/{total} exercises passed, {score:g}/{max_score:g} points",
                     "{passed}/{total} 道练习通过，得分 {score:g}/{max_score:g}"),
    "list.next": ("Next: {name}. `grader check {name}` grades it, `grader hint {name}` gives a "
                  "hint, `grader watch` grades again on every save.",
                  "下一题：{name}。运行 `grader check {name}` 评分，`grader hint {name}` 查看提示，"
                  "`grader watch` 会在每次保存后自动重新评分。"),
    "list.done": ("Every exercise passes. Well done!", "所有练习都已通过，做得好！"),
    # hint
    "hint.chapter": ("Chapter {number} — {title}", "第 {number} 章 — {title}"),
    "hint.next": ("(your next exercise)", "（你的下一道练习）"),
    "hint.level": ("Hint {level} of {count}: {text}", "提示（第 {level} 级，共 {count} 级）：{text}"),
    "hint.more": ("(`grader hint {name}` again shows hint {next} of {count}: it says more.)",
                  "（再运行一次 `grader hint {name}`，显示第 {next} 级提示（共 {count} 级），"
                  "说得更具体。）"),
    "hint.more_no_project": ("(Outside a course folder the first hint is shown each time: "
                             "`grader hint {name} --all` shows all {count}.)",
                             "（不在课程文件夹中时每次都显示第一级提示：运行 "
                             "`grader hint {name} --all` 显示全部 {count} 级。）"),
    "hint.last": ("(This is the last hint. Once your own code passes, `grader solution {name}` "
                  "shows the reference.)",
                  "（这是最后一级提示。你自己的代码通过之后，运行 `grader solution {name}` "
                  "可以查看参考答案。）"),
    # watch
    "watch.header": ("grader watch · {target} · run {run} · {time}",
                     "grader watch · {target} · 第 {run} 次评分 · {time}"),
    "watch.waiting": ("Watching {folder}: save a file to grade again. Ctrl-C stops.",
                      "正在监视 {folder}：保存文件即可重新评分。按 Ctrl-C 退出。"),
    "watch.next": ("{done} passed. Next: {name}, graded now (it is probably still a stub).",
                   "{done} 已通过。下一题：{name}，现在就评分（它可能还是模板）。"),
    "watch.check_failed": ("grading ended with status {status} before giving a verdict; "
                           "still watching.",
                           "`grader check` 以状态 {status} 结束，未给出结果；仍在继续监视。"),
    "watch.polling": ("File events are not available here ({why}); looking for changes every "
                      "{seconds:g} s instead.",
                      "此处无法接收文件事件（{why}）；改为每 {seconds:g} 秒检查一次文件变化。"),
    "watch.stopped": ("Stopped watching.", "已停止监视。"),
    "watch.run_timeout": ("This run took more than {seconds:g} s and was stopped; still watching.",
                          "本次评分超过 {seconds:g} 秒，已被停止；仍在继续监视。"),
    # reset
    "reset.confirm_exercise": ("Replace `{name}` in {file} with the original stub? The rest of "
                               "the file stays as it is, and the file is backed up first. [y/N] ",
                               "要把 {file} 中的 `{name}` 恢复为原始模板吗？"
                               "文件的其余部分保持不变，并且会先备份当前文件。[y/N] "),
    "reset.confirm_chapter": ("Replace all of {file} with the original stubs? The file is backed "
                              "up first. [y/N] ",
                              "要把整个 {file} 恢复为原始模板吗？会先备份当前文件。[y/N] "),
    "reset.no_tty": ("reset asks before it changes your file, but there is no terminal to ask "
                     "on: run `grader reset {target} --yes`.",
                     "reset 在修改文件前需要确认，但当前没有可交互的终端：请运行 "
                     "`grader reset {target} --yes`。"),
    "reset.cancelled": ("Nothing changed.", "未做任何更改。"),
    "reset.backup": ("your previous file is saved as {path}", "原文件已备份为 {path}"),
    "reset.done_exercise": ("Reset `{name}` in {file} to the original stub; the rest of the file "
                            "is unchanged.",
                            "已将 {file} 中的 `{name}` 恢复为原始模板；文件的其余部分未改动。"),
    "reset.appended": ("{file} no longer defined `{name}`: its original stub is added at the end "
                       "of the file.",
                       "{file} 中已没有 `{name}` 的定义：已把它的原始模板添加到文件末尾。"),
    "reset.done_chapter": ("Reset {file} to the original stubs.", "已将 {file} 恢复为原始模板。"),
    "reset.unchanged": ("{what} is already the original stub: nothing to do.",
                        "{what} 已经是原始模板，无需恢复。"),
    "reset.syntax": ("{file} does not parse (line {line}: {error}), so `{name}` cannot be found in "
                     "it on its own; nothing was changed. Fix that line, or reset the whole "
                     "chapter with `grader reset {chapter}` (your current file is backed up "
                     "first).",
                     "{file} 有语法错误（第 {line} 行：{error}），因此无法单独找到 `{name}`；"
                     "文件未做任何更改。请修正这一行，或用 `grader reset {chapter}` 恢复整章"
                     "（会先备份当前文件）。"),
    "reset.no_file": ("{file} does not exist: `grader reset {chapter}` creates it again.",
                      "{file} 不存在：运行 `grader reset {chapter}` 可以重新创建它。"),
    "reset.no_pristine": ("No original of {file} was found: there is neither solutions/{file} "
                          "nor a git history of exercises/{file}.",
                          "找不到 {file} 的原始版本：既没有 solutions/{file}，"
                          "也没有 exercises/{file} 的 git 历史。"),
    "reset.no_original": ("The original {file} defines no `{name}`.",
                          "原始的 {file} 中没有定义 `{name}`。"),
    "reset.no_project": ("no exercises/ folder here or in any parent folder: run this inside "
                         "the course project.",
                         "当前文件夹及其上级文件夹中都没有 exercises/：请在课程项目中运行。"),
    "reset.solutions_mode": ("reset changes your exercises only; it does not run with "
                             "GRADER_SOLUTIONS=1.",
                             "reset 只修改你的练习文件；设置了 GRADER_SOLUTIONS=1 时不能使用。"),
    # solution
    "solution.one_exercise": ("`grader solution` shows one exercise at a time: name it as "
                              "chapterNN.<exercise>, e.g. {example}.",
                              "`grader solution` 每次只显示一道练习：请写成 chapterNN.<练习名>，"
                              "例如 {example}。"),
    "solution.checking": ("Checking your {name} first…", "先检查你的 {name}……"),
    "solution.locked": ("The reference solution of {name} is shown once your own passes; your "
                        "{name} has not passed yet (its result: {outcome}). `grader check {name}` "
                        "shows why, `grader hint {name}` gives a hint.",
                        "你自己的 {name} 通过后才会显示参考答案；目前的结果是：{outcome}。"
                        "运行 `grader check {name}` 查看原因，`grader hint {name}` 查看提示。"),
    "solution.check_failed": ("Could not grade your {name}, so the solution stays hidden."
                              "\n{detail}",
                              "无法为你的 {name} 评分，因此不显示参考答案。\n{detail}"),
    "solution.header": ("Reference solution of {name} ({file}, lines {first}–{last}):",
                        "{name} 的参考答案（{file}，第 {first}–{last} 行）："),
    "solution.none": ("This copy of the course has no {file}.", "这份课程中没有 {file}。"),
    "solution.not_defined": ("{file} defines no `{name}`.", "{file} 中没有定义 `{name}`。"),
}


def t(key: str, lang: str, **data: Any) -> str:
    en, zh = MESSAGES[key]
    template = zh if lang == "zh" else en
    suffix = "_zh" if lang == "zh" else "_en"
    values = {k[:-3]: v for k, v in data.items() if k.endswith(suffix)}
    values.update({k: v for k, v in data.items() if not k.endswith(("_en", "_zh"))})
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
