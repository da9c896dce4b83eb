"""A real sshd on 127.0.0.1 for remote-worker tests and benches: its own host key, a user key
that only it accepts, an ssh config naming it `mosaic-loopback`, and a hosts.toml that tells
mosaic-tui to use that config and this interpreter. Nothing of the user's ssh setup is read."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ALIAS = "mosaic-loopback"


def missing() -> str | None:
    """Why a loopback sshd cannot run here (None: it can)."""
    for program in ("ssh", "ssh-keygen"):
        if shutil.which(program) is None:
            return f"no {program} on PATH (install openssh-client)"
    if _sshd() is None:
        return "no sshd installed (install openssh-server)"
    return None


def _sshd() -> str | None:
    found = shutil.which("sshd")
    if found:
        return found
    return next((p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.access(p, os.X_OK)),
                None)  # fmt: skip


class LoopbackSshd:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def ssh(self) -> str:
        return f"ssh -F {self.folder / 'ssh_config'}"

    @property
    def hosts_file(self) -> Path:
        return self.folder / "hosts.toml"

    def start(self) -> None:
        f = self.folder
        f.mkdir(parents=True, exist_ok=True)
        for key in ("host_key", "id"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(f / key)],
                           check=True)  # fmt: skip
        (f / "authorized_keys").write_text((f / "id.pub").read_text())
        self.port = _free_port()
        (f / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {f / 'host_key'}\n"
            f"AuthorizedKeysFile {f / 'authorized_keys'}\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nStrictModes no\nUsePAM no\n"
            f"PidFile {f / 'sshd.pid'}\nLogLevel ERROR\nMaxStartups 64\nMaxSessions 64\n"
        )
        (f / "ssh_config").write_text(
            f"Host {ALIAS}\n  HostName 127.0.0.1\n  Port {self.port}\n  User {getpass.getuser()}\n"
            f"  IdentityFile {f / 'id'}\n  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {f / 'known_hosts'}\n  StrictHostKeyChecking accept-new\n"
            "  LogLevel ERROR\n"
        )
        self.hosts_file.write_text(
            f'[hosts.{ALIAS}]\nssh = "{self.ssh}"\npython = "{sys.executable}"\n'
        )
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation folder
        sshd = _sshd()
        assert sshd is not None
        self.process = subprocess.Popen(
            [sshd, "-D", "-e", "-f", str(f / "sshd_config")],
            stdout=subprocess.DEVNULL,
            stderr=open(f / "sshd.log", "wb"),  # noqa: SIM115 - closed with the process
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited: {(f / 'sshd.log').read_text()[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("sshd did not listen within 10 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
