"""A labkit task's network, inside the task's Python processes (imported at start-up; it must stay light).

The container sees the ports of its task definition: binding port 8080 really binds a free port on 127.0.0.1
that labkit chose (`LABKIT_TASK_PORTS="8080=41234,..."`), whatever address the code asked for (0.0.0.0 included),
and `getsockname()` answers what the code asked for. Connecting to localhost reaches the task's own ports only;
169.254.170.2 (the task metadata address) reaches labkit's metadata endpoint; anything else is refused: a task
in labkit's mock has no internet. A port the task definition does not map is mapped on first bind, through a
file in the task's port folder, so other processes of the task find it too. Not labkit code: nothing here
imports labkit.
"""

import errno
import os
import socket
import weakref

_PORTS = {}
for _pair in os.environ.get("LABKIT_TASK_PORTS", "").split(","):
    if "=" in _pair:
        _inner, _outer = _pair.split("=", 1)
        _PORTS[int(_inner)] = int(_outer)
_PORT_DIR = os.environ.get("LABKIT_TASK_PORT_DIR", "")
_META = os.environ.get("LABKIT_METADATA_ADDRESS", "")  # "127.0.0.1:PORT"
_META_PORT = int(_META.rsplit(":", 1)[1]) if ":" in _META else None
_NO_NET = "labkit mock: a task has no internet here; it can reach only its own ports on localhost"
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "::", "", "::ffff:127.0.0.1")
_READY = int(os.environ.get("LABKIT_READY_FD") or -1)  # labkit hears here which ports listen (no polling)
_asked = weakref.WeakKeyDictionary()  # socket -> (host, port) the code bound to

_bind = socket.socket.bind
_listen = socket.socket.listen
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_sendto = socket.socket.sendto
_getsockname = socket.socket.getsockname
_getaddrinfo = socket.getaddrinfo


def _is_local(host):
    host = str(host).split("%")[0]
    return host in _LOOPBACK or host.startswith("127.") or host == socket.gethostname()


def _inet(sock):
    return sock.family in (socket.AF_INET, socket.AF_INET6)


def _here(sock):
    return "127.0.0.1" if sock.family == socket.AF_INET else "::ffff:127.0.0.1"


def _bound(port):
    """The loopback port a process of this task bound for container port `port`, from the task's port folder."""
    if _PORT_DIR:
        try:
            with open(os.path.join(_PORT_DIR, str(port))) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None
    return None


def _mapped(port):
    found = _bound(port)  # what was really bound wins over the plan (see bind)
    return found if found is not None else _PORTS.get(port)


def _remember(port, real):
    if not _PORT_DIR:
        return
    tmp = os.path.join(_PORT_DIR, f".{port}.{os.getpid()}")
    with open(tmp, "w") as f:
        f.write(str(real))
    os.replace(tmp, os.path.join(_PORT_DIR, str(port)))


def bind(self, address):
    if not _inet(self) or not isinstance(address, tuple):
        return _bind(self, address)
    host, port = address[0], int(address[1])
    real = _mapped(port) if port else 0
    try:
        _bind(self, (_here(self), real or 0) + tuple(address[2:]))
    except OSError as err:
        # The loopback port labkit chose was free when it chose it; a process outside the task may have taken it
        # since. If no process of this task holds the container port, bind another and say so in the port folder.
        if err.errno != errno.EADDRINUSE or not port or not real or _bound(port) is not None or not _PORT_DIR:
            raise
        _bind(self, (_here(self), 0) + tuple(address[2:]))
        real = 0
    if port:
        _remember(port, _getsockname(self)[1])
    _asked[self] = (host, port)


def listen(self, *args):
    _listen(self, *args)
    found = _asked.get(self)
    if found is not None and _READY >= 0:
        try:
            os.write(_READY, b"%d\n" % found[1])
        except OSError:
            pass


def _target(sock, address):
    """Where a connection to `address` really goes, or an OSError saying why it may not."""
    host, port = address[0], int(address[1])
    if str(host) == "169.254.170.2" and _META and port in (80, 0):
        meta_host, meta_port = _META.rsplit(":", 1)
        return (meta_host if sock.family == socket.AF_INET else "::ffff:" + meta_host, int(meta_port))
    if not _is_local(host):
        return OSError(errno.ENETUNREACH, _NO_NET + f" ({host}:{port} refused)")
    if port == _META_PORT and str(host).split("%")[0] in ("127.0.0.1", "localhost", "::ffff:127.0.0.1"):
        return (_here(sock), port) + tuple(address[2:])  # the metadata endpoint, at the address its URI names
    real = _mapped(port)
    if real is None:
        return ConnectionRefusedError(errno.ECONNREFUSED, f"Connection refused: nothing in this task listens on "
                                                          f"port {port}")
    return (_here(sock), real) + tuple(address[2:])


def connect(self, address):
    if not _inet(self) or not isinstance(address, tuple):
        return _connect(self, address)
    target = _target(self, address)
    if isinstance(target, OSError):
        raise target
    return _connect(self, target)


def connect_ex(self, address):
    if not _inet(self) or not isinstance(address, tuple):
        return _connect_ex(self, address)
    target = _target(self, address)
    if isinstance(target, OSError):
        return target.errno
    return _connect_ex(self, target)


def sendto(self, data, *args):
    address = args[-1]
    if _inet(self) and isinstance(address, tuple):
        target = _target(self, address)
        if isinstance(target, OSError):
            raise target
        args = args[:-1] + (target,)
    return _sendto(self, data, *args)


def getsockname(self):
    found = _asked.get(self)
    real = _getsockname(self)
    if found is None or not isinstance(real, tuple):
        return real
    host, port = found
    return (host or ("0.0.0.0" if self.family == socket.AF_INET else "::"), port or real[1]) + tuple(real[2:])


def getaddrinfo(host, *args, **kwargs):
    if host is None or _is_local(host) or str(host) == "169.254.170.2":
        return _getaddrinfo(host, *args, **kwargs)
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in str(host) else socket.AF_INET, str(host))
    except OSError:
        raise socket.gaierror(socket.EAI_NONAME, _NO_NET + f" (no DNS for {host!r})") from None
    return _getaddrinfo(host, *args, **kwargs)


def gethostbyname(host):
    return getaddrinfo(host, None, socket.AF_INET)[0][4][0]


socket.socket.bind = bind
socket.socket.listen = listen
socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.socket.sendto = sendto
socket.socket.getsockname = getsockname
socket.getaddrinfo = getaddrinfo
socket.gethostbyname = gethostbyname
