"""SSH transport: one paramiko connection per device, commands run as separate exec channels.

Host keys are checked strictly: the caller's known_hosts file is the only trust source and
paramiko's ``RejectPolicy`` refuses unknown keys. Every command gets its own channel, so stdout,
stderr and the exit status stay apart (FRR writes syntax errors to stderr). The TCP socket is
opened here with ``TCP_NODELAY``: the driver's exchanges are small request/answer messages, which
Nagle's algorithm would otherwise hold back waiting for acknowledgements.
"""

from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass

import paramiko
from napalm.base.exceptions import (
    CommandTimeoutException,
    ConnectAuthError,
    ConnectionClosedException,
    ConnectionException,
    ConnectTimeoutError,
)

_READ_CHUNK = 65536


@dataclass(frozen=True)
class CommandResult:
    """What one remote command produced."""

    command: str
    exit_status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_status == 0

    @property
    def details(self) -> str:
        """What to tell a user about a failure: stderr, else stdout, else the exit status."""
        return (self.stderr.strip() or self.stdout.strip()) or f"exit status {self.exit_status}"


@dataclass(frozen=True)
class SshTarget:
    """Where and as whom to connect."""

    hostname: str
    port: int
    username: str
    password: str | None
    key_file: str | None
    known_hosts_file: str | None
    allow_agent: bool
    timeout: float


class SshTransport:
    """A paramiko client with strict host-key checking and exec-per-command."""

    def __init__(self, target: SshTarget) -> None:
        self.target = target
        self._client: paramiko.SSHClient | None = None

    def open(self) -> None:
        self.close()
        target = self.target
        if target.known_hosts_file is None:
            raise ConnectionException(
                f"{target.hostname}: optional_args['known_hosts_file'] is required: the FRR driver "
                "only connects to hosts whose key is listed there"
            )
        client = paramiko.SSHClient()
        try:
            client.load_host_keys(target.known_hosts_file)
        except OSError as exc:
            raise ConnectionException(
                f"{target.hostname}: cannot read known_hosts_file {target.known_hosts_file}: {exc}"
            ) from exc
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        sock = _connect_socket(target)
        try:
            _login(client, sock, target)
        except BaseException:
            client.close()
            sock.close()
            raise
        self._client = client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def is_alive(self) -> bool:
        if self._client is None:
            return False
        transport = self._client.get_transport()
        return transport is not None and transport.is_active()

    def _transport(self) -> paramiko.Transport:
        transport = self._client.get_transport() if self._client is not None else None
        if transport is None or not transport.is_active():
            why = _ended(transport)
            raise ConnectionClosedException(f"{self.target.hostname}: the SSH connection is not open{why}")
        return transport

    def open_channel(self, command: str, timeout: float | None = None) -> paramiko.Channel:
        """A channel running ``command``, left open for the caller to talk to (an interactive program)."""
        limit = self.target.timeout if timeout is None else timeout
        try:
            channel = self._transport().open_session(timeout=limit)
            channel.exec_command(command)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise ConnectionClosedException(f"{self.target.hostname}: cannot open a channel: {_text(exc)}") from exc
        return channel

    def run(self, command: str, stdin: str | None = None, timeout: float | None = None) -> CommandResult:
        """Run ``command`` in its own channel; feed ``stdin`` if given; wait for the exit status."""
        limit = self.target.timeout if timeout is None else timeout
        try:
            channel = self._transport().open_session(timeout=limit)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            # paramiko re-raises what ended the connection while it waited (EOFError, a socket error)
            raise ConnectionClosedException(f"{self.target.hostname}: cannot open a channel: {_text(exc)}") from exc
        try:
            channel.exec_command(command)
            if stdin is not None:
                channel.sendall(stdin.encode())
            channel.shutdown_write()
            stdout, stderr = _drain(channel, time.monotonic() + limit, command)
            status = channel.recv_exit_status()
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise ConnectionClosedException(
                f"{self.target.hostname}: connection lost during a command: {_text(exc)}"
            ) from exc
        finally:
            channel.close()
        return CommandResult(command, status, stdout.decode(errors="replace"), stderr.decode(errors="replace"))


def _text(exc: BaseException) -> str:
    """An exception as a user reads it; paramiko's EOFError says nothing by itself."""
    if isinstance(exc, EOFError):
        return "the device closed the connection"
    return str(exc) or type(exc).__name__


def _ended(transport: paramiko.Transport | None) -> str:
    """Why paramiko's transport stopped, when it kept the reason (read, not cleared)."""
    reason = getattr(transport, "saved_exception", None) if transport is not None else None
    if reason is None:
        return ""
    text = _text(reason)
    return f" ({text})" if isinstance(reason, EOFError) else f" ({type(reason).__name__}: {text})"


def _login(client: paramiko.SSHClient, sock: socket.socket, target: SshTarget) -> None:
    """SSH handshake, host-key check and login over ``sock``; paramiko's errors become NAPALM's."""
    try:
        client.connect(
            hostname=target.hostname,
            port=target.port,
            username=target.username,
            password=target.password,
            key_filename=target.key_file,
            timeout=target.timeout,
            banner_timeout=target.timeout,
            auth_timeout=target.timeout,
            allow_agent=target.allow_agent,
            look_for_keys=False,
            sock=sock,
        )
    except paramiko.BadHostKeyException as exc:
        raise ConnectionException(
            f"{target.hostname}: host key mismatch: the server offered a {exc.key.get_name()} key "
            f"that differs from the one in {target.known_hosts_file} (possible impersonation)"
        ) from exc
    except paramiko.AuthenticationException as exc:
        raise ConnectAuthError(f"{target.hostname}: authentication failed for {target.username}") from exc
    except TimeoutError as exc:
        raise ConnectTimeoutError(f"{target.hostname}:{target.port}: no answer within {target.timeout:g} s") from exc
    except paramiko.SSHException as exc:
        message = str(exc)
        if "not found in known_hosts" in message:
            message = (
                f"unknown host key: {target.hostname} is not listed in {target.known_hosts_file}; "
                "add its key there to trust it"
            )
        raise ConnectionException(f"{target.hostname}: {message}") from exc
    except OSError as exc:
        raise ConnectionException(f"{target.hostname}:{target.port}: cannot connect: {exc}") from exc


def _connect_socket(target: SshTarget) -> socket.socket:
    """The TCP connection to the device, with Nagle's algorithm off."""
    try:
        sock = socket.create_connection((target.hostname, target.port), timeout=target.timeout)
    except TimeoutError as exc:
        raise ConnectTimeoutError(f"{target.hostname}:{target.port}: no answer within {target.timeout:g} s") from exc
    except OSError as exc:
        raise ConnectionException(f"{target.hostname}:{target.port}: cannot connect: {exc}") from exc
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _drain(channel: paramiko.Channel, deadline: float, command: str) -> tuple[bytes, bytes]:
    out: list[bytes] = []
    err: list[bytes] = []
    while True:
        progressed = False
        while channel.recv_ready():
            out.append(channel.recv(_READ_CHUNK))
            progressed = True
        while channel.recv_stderr_ready():
            err.append(channel.recv_stderr(_READ_CHUNK))
            progressed = True
        finished = channel.exit_status_ready() and (channel.eof_received or channel.closed)
        if finished and not channel.recv_ready() and not channel.recv_stderr_ready():
            break
        if not progressed:
            if time.monotonic() > deadline:
                what = "a device script (sh -c ...)" if command.startswith("sh -c ") else command.splitlines()[0][:60]
                raise CommandTimeoutException(f"command did not finish in time: {what}")
            select.select([channel], [], [], 0.05)
    return b"".join(out), b"".join(err)
