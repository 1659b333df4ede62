"""One FRR box in a network namespace: FRR (multi-instance, ``-N <netns>``) plus its own sshd.

Recipes follow ``notes/frr-lab.md``:

* FRR takes its hostname from uname, so it starts inside ``unshare --uts`` with the hostname set.
* sshd runs in a private mount namespace where ``/etc/frr`` and ``/run/frr`` are bind-mounted
  to this instance's folders (``/tmp`` stays shared with the host). Over SSH the box looks like a stock
  single-instance FRR router, so the NAPALM driver needs no lab knowledge.
* Processes are stopped by the PIDs in their pid files (TERM, then KILL after a grace period),
  cross-checked with ``ip netns pids``, never by name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from runbook_wan.lab import shell

FRR_ETC = Path("/etc/frr")
FRR_RUN = Path("/run/frr")
FRR_LIB = Path("/usr/lib/frr")

#: Daemon options: vty only on loopback; zebra gets a large netlink buffer for 80-site scale.
_DAEMON_OPTIONS = {
    "zebra": "-A 127.0.0.1 -s 90000000",
    "bgpd": "-A 127.0.0.1",
    "staticd": "-A 127.0.0.1",
    "bfdd": "-A 127.0.0.1",
    "pbrd": "-A 127.0.0.1",
}
ALL_DAEMONS = ("zebra", "bgpd", "staticd", "bfdd", "pbrd")


@dataclass(frozen=True)
class LabLayout:
    """Where the lab keeps its runtime files (under the state folder, outside git)."""

    root: Path

    @property
    def ssh_dir(self) -> Path:
        return self.root / "ssh"

    @property
    def client_key(self) -> Path:
        return self.ssh_dir / "id_ed25519"

    @property
    def authorized_keys(self) -> Path:
        return self.ssh_dir / "authorized_keys"

    @property
    def known_hosts(self) -> Path:
        return self.ssh_dir / "known_hosts"

    def host_key(self, netns: str) -> Path:
        return self.ssh_dir / "hostkeys" / netns

    def sshd_config(self, netns: str) -> Path:
        return self.root / "sshd" / f"{netns}.conf"

    def sshd_pid(self, netns: str) -> Path:
        return self.root / "run" / f"sshd-{netns}.pid"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def record(self) -> Path:
        """``lab.json``: what the running lab consists of (see :mod:`lab.state`)."""
        return self.root / "lab.json"

    @property
    def secrets(self) -> Path:
        """Secrets the lab generated for its own devices (mode 600)."""
        return self.root / "secrets.yaml"

    @property
    def relay_config(self) -> Path:
        return self.root / "relay.json"

    @property
    def relay_pid(self) -> Path:
        return self.root / "run" / "relay.pid"

    def ensure(self) -> None:
        for folder in (self.ssh_dir / "hostkeys", self.root / "sshd", self.root / "run", self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)


def ensure_client_key(layout: LabLayout) -> Path:
    """The lab's SSH client key (ed25519, no passphrase), authorised on every lab device."""
    layout.ensure()
    if not layout.client_key.is_file():
        shell.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "runbook-lab", "-f", str(layout.client_key)])
    pub = layout.client_key.with_suffix(".pub").read_text()
    layout.authorized_keys.write_text(pub)
    layout.authorized_keys.chmod(0o600)
    return layout.client_key


def create_netns(netns: str) -> None:
    shell.ip("netns", "add", netns)
    shell.ip("-n", netns, "link", "set", "lo", "up")
    shell.in_netns(
        netns,
        "sysctl",
        "-qw",
        "net.ipv4.ip_forward=1",
        "net.ipv6.conf.all.disable_ipv6=1",
        "net.ipv6.conf.default.disable_ipv6=1",
        "net.ipv4.conf.all.rp_filter=0",
        "net.ipv4.conf.default.rp_filter=0",
    )


def write_frr_instance(netns: str, config_text: str, daemons: tuple[str, ...]) -> Path:
    """Create ``/etc/frr/<netns>/{daemons,vtysh.conf,frr.conf}`` owned by frr."""
    folder = FRR_ETC / netns
    folder.mkdir(mode=0o750, parents=True, exist_ok=True)
    lines = [f"{d}={'yes' if d in daemons else 'no'}" for d in ALL_DAEMONS]
    lines.append("vtysh_enable=yes")
    lines += [f'{d}_options="{opts}"' for d, opts in _DAEMON_OPTIONS.items()]
    (folder / "daemons").write_text("\n".join(lines) + "\n")
    (folder / "vtysh.conf").write_text("service integrated-vtysh-config\n")
    (folder / "frr.conf").write_text(config_text)
    (folder / "rollback").mkdir(exist_ok=True)
    shutil.chown(folder, "frr", "frr")
    for child in folder.iterdir():
        shutil.chown(child, "frr", "frr")
    return folder


def start_frr(netns: str, hostname: str) -> None:
    """Start watchfrr and the daemons for pathspace ``netns`` inside that namespace."""
    script = f"hostname {hostname} && exec {FRR_LIB}/frrinit.sh start {netns}"
    shell.in_netns(netns, "unshare", "--uts", "sh", "-c", script, timeout=60)


def write_sshd_config(layout: LabLayout, netns: str, listen: str) -> Path:
    host_key = layout.host_key(netns)
    if not host_key.is_file():
        shell.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", netns, "-f", str(host_key)])
    conf = layout.sshd_config(netns)
    conf.write_text(
        "\n".join(
            [
                f"ListenAddress {listen}",
                "Port 22",
                f"HostKey {host_key}",
                f"PidFile {layout.sshd_pid(netns)}",
                "PermitRootLogin prohibit-password",
                f"AuthorizedKeysFile {layout.authorized_keys}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "UseDNS no",
                "LogLevel INFO",  # one line per login and per end: why a session ended
                "MaxStartups 100:30:200",
                "Subsystem sftp /usr/lib/openssh/sftp-server",
            ]
        )
        + "\n"
    )
    return conf


def start_sshd(layout: LabLayout, netns: str, hostname: str, listen: str) -> None:
    """sshd in the netns, in a mount namespace that makes this FRR instance the box's only one.

    The login user's home is an empty folder of the lab's, not this machine's: a box has its own
    home, and the host's shell start-up files (here ``pyenv init`` in root's ``.bashrc``, which
    bash sources for every command sshd runs) cost ~100 processes per command.
    """
    conf = write_sshd_config(layout, netns, listen)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    home = layout.root / "home"
    home.mkdir(mode=0o700, exist_ok=True)
    script = (
        f"hostname {hostname} && "
        f"mount --bind {FRR_RUN / netns} {FRR_RUN} && "
        f"mount --bind {FRR_ETC / netns} {FRR_ETC} && "
        f"mount --bind {home} {Path.home()} && "
        f"exec /usr/sbin/sshd -f {conf} -E {layout.logs / f'sshd-{netns}.log'}"
    )
    shell.in_netns(netns, "unshare", "--uts", "--mount", "--propagation", "private", "sh", "-c", script)


def host_key_line(layout: LabLayout, netns: str, address: str) -> str:
    """A known_hosts line for the device's management address."""
    pub = layout.host_key(netns).with_suffix(".pub").read_text().split()
    return f"{address} {pub[0]} {pub[1]}"


def _pids_from_files(netns: str, layout: LabLayout | None) -> list[int]:
    files = list((FRR_RUN / netns).glob("*.pid")) if (FRR_RUN / netns).is_dir() else []
    if layout is not None:
        files.append(layout.sshd_pid(netns))
    pids = []
    for file in files:
        try:
            pids.append(int(file.read_text().strip()))
        except (OSError, ValueError):
            continue
    return pids


def pid_file_pids(netns: str, layout: LabLayout | None) -> list[int]:
    """PIDs named by the instance's pid files (FRR daemons, watchfrr, sshd); they may be stale."""
    return _pids_from_files(netns, layout)


def netns_pids(netns: str) -> list[int]:
    proc = shell.ip("netns", "pids", netns, check=False)
    return [int(p) for p in proc.stdout.split()] if proc.returncode == 0 else []


def _alive(pid: int) -> bool:
    """Running (a zombie is not: it has exited; if it is our child, it is reaped here)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - we run as root
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    if state == "Z":
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return False
    return True


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (zombies count as exited)."""
    return _alive(pid)


def signal_pids(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            continue


def stop_processes(pids: list[int], grace: float = 3.0) -> None:
    """TERM the given processes, then KILL whatever is left after ``grace`` seconds."""
    signal_pids(pids, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    signal_pids([p for p in pids if _alive(p)], signal.SIGKILL)


def device_pids(netns: str, layout: LabLayout | None) -> list[int]:
    """Our processes for this device: pid files plus whatever still runs inside the netns."""
    return sorted(set(_pids_from_files(netns, layout)) | set(netns_pids(netns)))


def remove_device_files(netns: str) -> None:
    shutil.rmtree(FRR_ETC / netns, ignore_errors=True)
    shutil.rmtree(FRR_RUN / netns, ignore_errors=True)


def delete_netns(netns: str) -> None:
    shell.ip("netns", "del", netns, check=False)
