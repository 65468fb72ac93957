"""A throw-away Dovecot IMAP server on 127.0.0.1 for the email tests (notes/email.md §2.1)."""

from __future__ import annotations

import grp
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

USER, PASSWORD = "service", "secret"
DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists()
                                      else None)
_COUNTER = itertools.count()

_CONF = """base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:~/Maildir
imap_idle_notify_interval = 2 secs
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Processed {{
    auto = create
  }}
  mailbox Failed {{
    auto = create
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
{nonroot}
mail_max_userip_connections = 100
login_trusted_networks = 127.0.0.0/8
"""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Dovecot:
    """One Dovecot master in the foreground (-F), so SIGTERM stops it at once."""

    dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def write_config(self) -> None:
        """The config of notes §2.1; runs as root (CI) and as any other user."""
        for sub in ("run", "state", "mail"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o755)
        (self.dir / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        if os.getuid() == 0:
            uid = gid = 65534
            login, internal, nonroot = "dovenull", "dovecot", ""
            os.chown(self.dir / "mail", uid, gid)
        else:
            uid, gid = os.getuid(), os.getgid()
            login = internal = pwd.getpwuid(uid).pw_name
            nonroot = "service anvil {\n  chroot =\n}"
        internal_group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
        (self.dir / "dovecot.conf").write_text(_CONF.format(
            dir=self.dir, port=self.port, uid=uid, gid=gid, login=login, internal=internal,
            internal_group=internal_group, nonroot=nonroot))

    def start(self) -> None:
        """Start and wait until LOGIN works (not merely the port: notes §2.1)."""
        assert DOVECOT is not None
        self.process = subprocess.Popen([DOVECOT, "-c", str(self.dir / "dovecot.conf"), "-F"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._login_works():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        log = (self.dir / "dovecot.log")
        raise RuntimeError("dovecot did not start: "
                           + (log.read_text()[-2000:] if log.exists() else "no log"))

    def stop(self) -> None:
        """SIGTERM and wait for the master to exit, so the port can be reused."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def deliver(self, raw: bytes) -> None:
        """Drop a mail into the INBOX Maildir as an MTA would; works while the server is down."""
        maildir = self.dir / "mail" / USER / "Maildir"
        owner = (65534, 65534) if os.getuid() == 0 else None
        for sub in ("", "cur", "new", "tmp"):
            path = maildir / sub
            if not path.exists():
                path.mkdir(parents=True)
                if owner:
                    os.chown(path, *owner)
                    os.chown(path.parent, *owner)
        name = f"{time.time_ns()}.P{os.getpid()}Q{next(_COUNTER)}.sitedesk"
        tmp = maildir / "tmp" / name
        tmp.write_bytes(raw)
        if owner:
            os.chown(tmp, *owner)
        os.rename(tmp, maildir / "new" / name)

    def _login_works(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                file = sock.makefile("rwb")
                greeting = file.readline()
                if not greeting.startswith(b"* OK") or b"Waiting" in greeting:
                    return False
                file.write(f"a LOGIN {USER} {PASSWORD}\r\n".encode())
                file.flush()
                while True:
                    line = file.readline()
                    if not line or line.startswith(b"a "):
                        return line.startswith(b"a OK")
        except OSError:
            return False
