#!/usr/bin/env bash
# The GPU checks, in one run (for a machine with CUDA and torch, e.g. a lent device machine):
# every chapter's solutions and stubs with --device cuda, d2l's verbatim corr2d (which builds
# its output on the CPU) graded on the GPU, and a short LeNet training on the GPU.
#   bash benchmarks/gpu_check.sh            (from the project root; OUT=dir keeps the files)
set -u
export PYTHONPATH="$PWD" NO_COLOR=1 PYTHONUNBUFFERED=1
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
nvidia-smi -L
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"

echo "== grader check all --solutions --device cuda"
time python3 -m grader check all --solutions --device cuda --seed 0 \
    --report "$OUT/solutions-cuda.json"
echo "exit $?"

echo "== grader check all --solutions --device cuda --sandbox (the GPU's device nodes in the box)"
time python3 -m grader check all --solutions --device cuda --seed 0 --sandbox \
    --report "$OUT/solutions-cuda-sandbox.json"
echo "exit $?"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('isolation', {t['extra_data']['isolation'] for t in d['tests']}, 'score', d['score'], '/', d['max_score'])" "$OUT/solutions-cuda-sandbox.json"

echo "== grader check all --device cuda (stubs: every exercise not started, exit 1)"
python3 -m grader check all --device cuda --seed 0 --report "$OUT/stubs-cuda.json" | tail -n 2
echo "exit ${PIPESTATUS[0]}"

echo "== d2l's corr2d verbatim (torch.zeros on the CPU), graded on the GPU: must fail (device)"
tmp=$(mktemp -d)
cp solutions/chapter*.py "$tmp"/
python3 - "$tmp" <<'PY'
import sys
sys.path.insert(0, ".")
from tests.support import replace_definitions
path = f"{sys.argv[1]}/chapter19_conv.py"
source = open(path).read()
open(path, "w").write(replace_definitions(source, {"corr2d": '''
def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
'''}))
PY
python3 -m grader check chapter19.corr2d --exercises "$tmp" --device cuda --seed 0
echo "exit $?"

echo "== grader check chapter23 --solutions --device cuda, twice (train runs in a worker forked"
echo "   after the fork server preloaded torch._dynamo: CUDA must still work there)"
for i in 1 2; do
    /usr/bin/time -f "%e s" python3 -m grader check chapter23 --solutions --device cuda | tail -n 1
done

echo "== grader grade: 3 submissions (solutions, stubs, verbatim corr2d) on the GPU, 2 slots, in"
echo "   the sandbox (grade's default)"
class=$(mktemp -d)
mkdir -p "$class/subs"
cp -r solutions "$class/subs/alice"
cp -r exercises "$class/subs/bob"
cp -r "$tmp" "$class/subs/carol"
python3 -m grader grade "$class/subs" --out "$OUT/grade" --jobs 2 --device cuda | tail -n 4
echo "exit $?"
cat "$OUT/grade/gradebook.csv" | cut -c1-60

echo "== grader train lenet --epochs 2 --device cuda --solutions"
python3 -m grader train lenet --epochs 2 --device cuda --solutions --plot "$OUT/lenet-cuda.png"
echo "exit $?"
ls -la "$OUT"
