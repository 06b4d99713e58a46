#!/usr/bin/env bash
# Grade a class on a Slurm cluster: one array task per shard, then a dependent merge job.
#
#   sbatch --array=1-8 examples/slurm-grade.sh              # the shards
#   sbatch --dependency=afterok:<JOBID> --wrap \
#       "grader merge out/shard-{1..8} --out out/class"     # the merge, after all of them
#
# The grader must be installed on the nodes (a venv on the shared file system will do).
# Each task grades the students whose name hashes to its share (stable when students are added)
# and can be re-submitted after a failure: it resumes where it stopped.
#SBATCH --job-name=grade-class
#SBATCH --cpus-per-task=4
#SBATCH --mem=16G
#SBATCH --time=02:00:00
set -euo pipefail
N=${SLURM_ARRAY_TASK_COUNT:?submit with --array=1-N}
K=${SLURM_ARRAY_TASK_ID:?submit with --array=1-N}
grader grade submissions all --out "out/shard-$K" --shard "$K/$N" --jobs "${SLURM_CPUS_PER_TASK:-2}"
