"""pytest collection rules for book/assignments (used by ``pytest book --nbval-lax``).

The instructor notebooks in ``source/`` are collected: they must run without errors. The
student pages (``book/assignments/NN_name.ipynb``) and any ``release/`` folder written by
``nbgrader generate_assignment`` hold the unimplemented stubs, which raise
``NotImplementedError`` by design, so nbval must not run them. ``tests/test_assignments.py``
executes them instead and checks that exactly the autograder cells fail.
"""
collect_ignore_glob = ["[0-9][0-9]_*.ipynb", "release/*"]
