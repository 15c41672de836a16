"""`make test-hub`: a class of learners on the course's single-machine JupyterHub (see __main__.py)."""
