"""Subcommands beyond ``check`` and ``hint``: one module each, registered in grader.cli."""
