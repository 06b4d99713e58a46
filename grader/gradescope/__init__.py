"""The Gradescope autograder bundle: templates (``setup.sh``, ``run_autograder``) that
``grader gradescope`` puts into the zip, and ``autograde``, which ``run_autograder`` runs."""
