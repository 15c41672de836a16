"""The reaper: kills the task processes of a labkit process that died (a kernel killed, `os._exit`, a timeout).

Its labkit process writes "+PGID" and "-PGID" lines to the reaper's stdin as task process groups start and end.
When stdin ends (the labkit process is gone, however it went), the reaper sends SIGKILL to every group still
listed, and exits. Run as `python reaper.py`; not labkit code.
"""

import os
import signal
import sys


def main():
    groups = set()
    for line in sys.stdin:
        line = line.strip()
        if line.startswith("+") and line[1:].isdigit():
            groups.add(int(line[1:]))
        elif line.startswith("-") and line[1:].isdigit():
            groups.discard(int(line[1:]))
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:
            pass


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C in the terminal is for the labkit process, not for us
    main()
