"""Who is at the other end of a loopback connection: the user owning the client's socket, asked of Linux (its
socket-diagnostics netlink, else its table of TCP sockets), so that a labkit server answers only the user who
started it.

On a machine many people share (a JupyterHub with system users, a lab server), every user can reach every port on
127.0.0.1, and moto picks an account from a request header anyone can set. The operating system's user is the line
that matters there: it is what keeps one learner's files from another's. Where Linux is not there to ask (macOS,
a laptop with one user) nothing is checked.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
from pathlib import Path

TCP_TABLE = Path("/proc/net/tcp")  # IPv4 sockets of this network namespace, with the uid owning each
_SOCK_DIAG, _BY_FAMILY, _REQUEST, _ERROR = 4, 20, 1, 2  # NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST,
_NO_COOKIE, _ANY_STATE = 0xFFFFFFFF, 0xFFFFFFFF          # NLMSG_ERROR (linux/netlink.h, linux/inet_diag.h)
_UID_AT = 16 + 4 + 48 + 12  # nlmsghdr, inet_diag_msg's family/state/timer/retrans, its sockid, expires/rqueue/wqueue


def _hex(address: tuple[str, int]) -> str:
    """An IPv4 endpoint as the kernel prints it in /proc/net/tcp: the address as a native-order word, then the port."""
    host, port = address[0], address[1]
    (word,) = struct.unpack("=I", socket.inet_aton(host))
    return f"{word:08X}:{port:04X}"


def netlink_uid(client: tuple[str, int], server: tuple[str, int]) -> int:
    """The uid owning the socket `client` -> `server`, from the kernel's socket diagnostics (one exact lookup).

    OSError when netlink cannot answer (not Linux, no inet_diag) or knows no such socket (ENOENT).
    """
    sockid = (struct.pack("!HH", client[1], server[1]) + socket.inet_aton(client[0]) + bytes(12)
              + socket.inet_aton(server[0]) + bytes(12) + struct.pack("=III", 0, _NO_COOKIE, _NO_COOKIE))
    request = struct.pack("=BBBBI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, _ANY_STATE) + sockid
    message = struct.pack("=IHHII", 16 + len(request), _BY_FAMILY, _REQUEST, 1, 0) + request
    family = getattr(socket, "AF_NETLINK", None)
    if family is None:
        raise OSError(errno.EAFNOSUPPORT, "no netlink here")
    with socket.socket(family, socket.SOCK_DGRAM, _SOCK_DIAG) as link:
        link.settimeout(2)
        link.sendto(message, (0, 0))
        answer = link.recv(8192)
    if struct.unpack_from("=H", answer, 4)[0] == _ERROR:
        code = -struct.unpack_from("=i", answer, 16)[0]
        raise OSError(code, os.strerror(code))
    return struct.unpack_from("=I", answer, _UID_AT)[0]


def peer_uid(client: tuple[str, int], server: tuple[str, int], table: Path = TCP_TABLE) -> int | None:
    """The uid owning the client end of the TCP connection `client` -> `server`, from netlink, else the table.

    None when neither exists (not Linux); LookupError when the kernel lists no such connection.
    """
    if table == TCP_TABLE:
        try:
            return netlink_uid(client, server)
        except (OSError, struct.error):
            pass  # no netlink, or no such socket (ENOENT either way): the table decides
    return table_uid(client, server, table)


def table_uid(client: tuple[str, int], server: tuple[str, int], table: Path = TCP_TABLE) -> int | None:
    """The same, read from the table of TCP sockets: None when it does not exist; LookupError when not listed."""
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
