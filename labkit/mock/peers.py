"""Who is at the other end of a loopback connection: the user owning the client's socket, read from Linux's table of
TCP sockets, so that a labkit server answers only the user who started it.

On a machine many people share (a JupyterHub with system users, a lab server), every user can reach every port on
127.0.0.1, and moto picks an account from a request header anyone can set. The operating system's user is the line
that matters there: it is what keeps one learner's files from another's. Where the table is missing (macOS, a
laptop with one user) nothing is checked.
"""

from __future__ import annotations

import os
import socket
import struct
from pathlib import Path

TCP_TABLE = Path("/proc/net/tcp")  # IPv4 sockets of this network namespace, with the uid owning each


def _hex(address: tuple[str, int]) -> str:
    """An IPv4 endpoint as the kernel prints it in /proc/net/tcp: the address as a native-order word, then the port."""
    host, port = address[0], address[1]
    (word,) = struct.unpack("=I", socket.inet_aton(host))
    return f"{word:08X}:{port:04X}"


def peer_uid(client: tuple[str, int], server: tuple[str, int], table: Path = TCP_TABLE) -> int | None:
    """The uid owning the client end of the TCP connection `client` -> `server`.

    None when the table does not exist (not Linux); LookupError when the kernel lists no such connection.
    """
    try:
        lines = table.read_text(encoding="ascii").splitlines()[1:]
    except FileNotFoundError:
        return None
    local, remote = _hex(client), _hex(server)
    for line in lines:
        fields = line.split()
        if len(fields) > 7 and fields[1] == local and fields[2] == remote:
            return int(fields[7])
    raise LookupError(f"no TCP connection from {client[0]}:{client[1]} to {server[0]}:{server[1]}")


def same_user(client: tuple[str, int], server: tuple[str, int], table: Path = TCP_TABLE) -> bool:
    """Whether the client of a connection to this process runs as this process's user (True where unknowable)."""
    try:
        uid = peer_uid(client, server, table)
    except (LookupError, OSError, ValueError):
        return False  # a connection the kernel does not list is refused: nobody is shown another's lab by accident
    return uid is None or uid == os.geteuid()
