"""Teardown's per-service steps: one module per AWS service, each with `remove(client, run)`.

A service's row (`labkit.lab.services`) names its step and the kinds it removes; `labkit.lab.teardown` runs the
steps in the rows' order and reports. `run` holds what one teardown matches, has removed, and could not remove.
"""
