"""A throw-away PostgreSQL server in a temporary directory, for tests and benchmarks.

It uses the server binaries of Debian's ``postgresql`` package and listens only on a
Unix socket inside its data directory (no TCP). PostgreSQL refuses to run as root, so
when started by root the data directory is handed to the ``postgres`` user and the
server binaries run through ``runuser``.

    with LocalPostgres.start() as pg:
        url = pg.create_database("lastmile_test")
"""

from __future__ import annotations

import os
import pwd
import random
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

SEARCH = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")
USER = "lastmile"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not installed here or its server did not start; the message says why."""


def find_server_bin() -> Path:
    """Return the directory holding ``initdb`` and ``pg_ctl``.

    Raises
    ------
    PostgresUnavailable
        When no server installation is found.
    """
    override = os.environ.get("LASTMILE_PG_BIN")
    candidates = [override] if override else []
    candidates += list(SEARCH)
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin); "
        "install Debian's postgresql package (scripts/install_services.sh)"
    )


class LocalPostgres:
    """One running server; ``url(dbname)`` gives a psycopg 3 SQLAlchemy URL for it."""

    def __init__(self, base_dir: Path, bin_dir: Path, port: int, run_as: str | None) -> None:
        self.base_dir = base_dir
        self.data_dir = base_dir / "data"
        self.socket_dir = base_dir / "run"
        self.bin_dir = bin_dir
        self.port = port
        self._run_as = run_as
        self._running = False

    @classmethod
    def start(
        cls, *, base_dir: Path | None = None, timeout_s: int = 60, durable: bool = False
    ) -> LocalPostgres:
        """Create a cluster in a temporary directory and start the server.

        A test server skips fsync and synchronous commit; ``durable`` keeps PostgreSQL's
        production defaults (for benchmarks that must not flatter it).

        Raises
        ------
        PostgresUnavailable
            When the binaries are missing or ``initdb`` / ``pg_ctl start`` fail.
        """
        bin_dir = find_server_bin()
        base = Path(base_dir or tempfile.mkdtemp(prefix="lastmile-pg-"))
        run_as = "postgres" if os.geteuid() == 0 else None
        server = cls(base, bin_dir, random.randint(20_000, 60_000), run_as)
        server.data_dir.mkdir(parents=True, exist_ok=True)
        server.socket_dir.mkdir(parents=True, exist_ok=True)
        if run_as is not None:
            try:
                owner = pwd.getpwnam(run_as)
            except KeyError as error:
                raise PostgresUnavailable(f"system user {run_as!r} does not exist") from error
            for path in (base, server.data_dir, server.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        server._run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(server.data_dir),
                "-A",
                "trust",
                "-U",
                USER,
                "-E",
                "UTF8",
                "--no-sync",
            ],
            what="initdb",
            timeout_s=timeout_s,
        )
        # A test server: durability is not the point, speed is (unless ``durable``).
        fast = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        options = (
            f"-k {server.socket_dir} -p {server.port} -c listen_addresses='' "
            f"{'' if durable else fast}-c max_connections=200"
        )
        server._run(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(server.data_dir),
                "-o",
                options,
                "-l",
                str(base / "server.log"),
                "-w",
                "-t",
                str(timeout_s),
                "start",
            ],
            what="pg_ctl start",
            timeout_s=timeout_s + 10,
        )
        server._running = True
        return server

    def _run(self, argv: list[str], *, what: str, timeout_s: int) -> None:
        if self._run_as is not None:
            argv = ["runuser", "-u", self._run_as, "--", *argv]
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PostgresUnavailable(f"{what} failed: {error}") from error
        if done.returncode != 0:
            log = self.base_dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PostgresUnavailable(
                f"{what} exited with {done.returncode}: {done.stderr.strip()[-2000:]}\n{tail}"
            )

    def url(self, database: str = "postgres") -> str:
        """Return the SQLAlchemy URL of ``database`` on this server (Unix socket)."""
        return f"postgresql+psycopg://{USER}@/{database}?host={self.socket_dir}&port={self.port}"

    def create_database(self, name: str) -> str:
        """Create an empty database ``name`` (dropping any old one) and return its URL."""
        import psycopg

        if not name.replace("_", "").isalnum():
            raise ValueError(f"database name {name!r} not understood.")
        with psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=USER,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and delete its directory."""
        if self._running:
            self._running = False
            try:
                self._run(
                    [
                        str(self.bin_dir / "pg_ctl"),
                        "-D",
                        str(self.data_dir),
                        "-m",
                        "fast",
                        "-w",
                        "stop",
                    ],
                    what="pg_ctl stop",
                    timeout_s=60,
                )
            finally:
                shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
