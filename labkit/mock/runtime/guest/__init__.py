"""What runs inside a task's processes, not in labkit's: this folder goes first on a task process's PYTHONPATH.

`sitecustomize` (imported by Python at start-up) gives the process its task's network: container ports mapped to
free loopback ports, loopback only, no internet. `reaper` is the one helper process that kills every task
process of a labkit process that died without cleaning up. Neither imports labkit.
"""
