"""A single-node SLURM cluster in a scratch directory, for the cluster test.

Debian's ``slurm-wlm`` and ``munge`` run as root with everything (key, sockets, state, spool,
logs, slurm.conf) under one directory, on free ports, so nothing in /etc or /run is touched
and several clusters could coexist. Process tracking is ``proctrack/linuxproc`` and task
binding ``task/none``: neither needs cgroups, which containers rarely delegate. Accounting is
off (``accounting_storage/none``): no slurmdbd, so job states come from ``squeue``;
``MinJobAge`` 3600 s keeps every finished job visible there until the test has read the
states of all of them (at the default 300 s, the first jobs of a run longer than five
minutes had already gone).

Every client command (sbatch, squeue, sinfo, scancel) finds this cluster through
``SLURM_CONF``; :meth:`SlurmCluster.env` returns an environment that sets it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

#: The programs the cluster needs (Debian packages slurm-wlm and munge).
PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel")


class ClusterError(RuntimeError):
    """The cluster could not be started; the message carries the daemons' own words."""


#: Debian installs the daemons in /usr/sbin, which a minimal PATH (CI's ``env -i``) lacks.
SYSTEM_DIRS = ("/usr/sbin", "/sbin")


def search_path() -> str:
    """PATH, with the system directories the daemons live in appended where missing."""
    parts = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    return os.pathsep.join([*parts, *(d for d in SYSTEM_DIRS if d not in parts)])


def missing_programs() -> list[str]:
    return [name for name in PROGRAMS if shutil.which(name, path=search_path()) is None]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _real_memory_mb() -> int:
    """Total memory in MB as ``free -m`` reports it, less 10% (slurmd refuses a node that
    declares more than it has)."""
    out = subprocess.run(["free", "-m"], capture_output=True, text=True, check=True).stdout
    total = int(next(line for line in out.splitlines() if line.startswith("Mem:")).split()[1])
    return total * 9 // 10


class SlurmCluster:
    """munged + slurmctld + slurmd on localhost, one partition ``debug`` of one 2-CPU node."""

    def __init__(self, root: Path, cpus: int = 2):
        self.root = Path(root)
        self.cpus = cpus
        self.conf = self.root / "slurm.conf"
        self.munge_socket = self.root / "munge" / "munge.socket.2"
        self._procs: dict[str, int] = {}

    def env(self) -> dict[str, str]:
        return {**os.environ, "PATH": search_path(), "SLURM_CONF": str(self.conf)}

    def _log(self, name: str) -> str:
        path = self.root / "log" / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"

    def _write_config(self) -> None:
        for sub in ("munge", "state", "spool", "log"):
            (self.root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        r = self.root
        self.conf.write_text(
            "\n".join(
                [
                    "ClusterName=alsmeta",
                    "SlurmctldHost=localhost",
                    f"SlurmctldPort={_free_port()}",
                    f"SlurmdPort={_free_port()}",
                    "AuthType=auth/munge",
                    "CredType=cred/munge",
                    f"AuthInfo=socket={self.munge_socket}",
                    "SlurmUser=root",
                    "SlurmdUser=root",
                    f"StateSaveLocation={r}/state",
                    f"SlurmdSpoolDir={r}/spool",
                    f"SlurmctldPidFile={r}/slurmctld.pid",
                    f"SlurmdPidFile={r}/slurmd.pid",
                    f"SlurmctldLogFile={r}/log/slurmctld.log",
                    f"SlurmdLogFile={r}/log/slurmd.log",
                    "ProctrackType=proctrack/linuxproc",
                    "TaskPlugin=task/none",
                    "JobAcctGatherType=jobacct_gather/none",
                    "AccountingStorageType=accounting_storage/none",
                    "JobCompType=jobcomp/none",
                    "MpiDefault=none",
                    "SchedulerType=sched/backfill",
                    "SelectType=select/cons_tres",
                    "SelectTypeParameters=CR_CPU_Memory",
                    "ReturnToService=2",
                    "MinJobAge=3600",
                    f"NodeName=localhost CPUs={self.cpus} RealMemory={_real_memory_mb()}"
                    " State=UNKNOWN",
                    "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
                    "",
                ]
            )
        )

    def _start(self, name: str, argv: list[str]) -> None:
        with open(self.root / "log" / f"{name}.out", "wb") as out:
            program = shutil.which(argv[0], path=search_path()) or argv[0]
            proc = subprocess.Popen(
                [program, *argv[1:]],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env(),
                start_new_session=True,
            )
        self._procs[name] = proc.pid
        time.sleep(0.5)
        if proc.poll() is not None:
            output = (self.root / "log" / f"{name}.out").read_text(errors="replace")
            raise ClusterError(f"{name} exited with {proc.returncode}: {output}\n{self._log(name)}")

    def start(self, timeout: float = 60) -> None:
        missing = missing_programs()
        if missing:
            raise ClusterError(f"missing {', '.join(missing)} (apt-get install slurm-wlm munge)")
        self._write_config()
        m = self.root / "munge"
        self._start(
            "munged",
            [
                "munged", "--foreground", "--force",
                f"--socket={self.munge_socket}", f"--key-file={m}/munge.key",
                f"--pid-file={m}/munged.pid", f"--seed-file={m}/munged.seed",
                f"--log-file={self.root}/log/munged.log",
            ],
        )  # fmt: skip
        self._start("slurmctld", ["slurmctld", "-D", "-i", "-f", str(self.conf)])
        self._start("slurmd", ["slurmd", "-D", "-N", "localhost", "-f", str(self.conf)])
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            proc = subprocess.run(
                ["sinfo", "--noheader", "--nodes=localhost", "--format=%t"],
                capture_output=True, text=True, env=self.env(),
            )  # fmt: skip
            state = (proc.stdout + proc.stderr).strip()
            if proc.returncode == 0 and state == "idle":
                return
            for name, pid in self._procs.items():
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    raise ClusterError(f"{name} died:\n{self._log(name)}") from None
            time.sleep(1)
        raise ClusterError(
            f"node not idle after {timeout:.0f} s (sinfo: {state!r})\n"
            f"slurmctld:\n{self._log('slurmctld')}\nslurmd:\n{self._log('slurmd')}"
        )

    def stop(self) -> None:
        """Stop the daemons this object started (by process id), newest first."""
        for name in reversed(list(self._procs)):
            pid = self._procs.pop(name)
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(50):
                try:
                    if os.waitpid(pid, os.WNOHANG)[0]:
                        break
                except ChildProcessError:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)

    def __enter__(self) -> SlurmCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
