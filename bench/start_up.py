"""Start-up benchmark: each role of `usar run` started on a PostgreSQL database of its own, timed from the
process's start to its first 200 at GET /readyz, and its memory (RSS) then and at its peak.

    .venv/bin/python bench/start_up.py                       # every role, three starts each
    .venv/bin/python bench/start_up.py --roles worker --starts 5

Telegram is configured (a token, and a Bot API address where nothing answers: no process reaches out), so
that the worker has a channel to send through and the web role mounts the Telegram dispatcher, as in
production. The schema is brought up to date once before (`usar migrate`): the starts measure what a
process does every time, not the first migration. Python keeps its compiled bytecode as a deployment does
(`pip install` compiles it; PYTHONDONTWRITEBYTECODE, set on some development machines, is dropped for the
processes measured, and one start of each role goes before those timed); `--no-bytecode` measures a process
that compiles every module it imports. The figures go to docs/PERFORMANCE.md (issue 30).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import passing_key  # noqa: E402
from bench.scratch_postgres import on_scratch_postgres  # noqa: E402

ROLES = ("worker", "scheduler", "web", "all")
PATIENCE = 30.0  # seconds a start may take before the benchmark gives up


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


BYTECODE = True  # --no-bytecode: False


def environment(url: str, port: int) -> dict[str, str]:
    dead = free_port()  # nothing listens there: the Bot API is out of reach, and nothing waits on it
    kept = {name: value for name, value in os.environ.items() if not name.startswith("USAR_")}
    if BYTECODE:
        kept.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        kept["PYTHONDONTWRITEBYTECODE"] = "1"
    return {
        **kept,
        "USAR_DATA_KEY": os.environ["USAR_DATA_KEY"],
        "USAR_DATABASE_URL": url,
        "USAR_TELEGRAM_TOKEN": "123456:AAbenchStartUpTokenOfNoBot_0123456789",
        "USAR_TELEGRAM_API_BASE": f"http://127.0.0.1:{dead}",
        "USAR_HTTP_HOST": "127.0.0.1",
        "USAR_HTTP_PORT": str(port),
        "USAR_LOG_LEVEL": "WARNING",
    }


def memory(pid: int) -> tuple[float, float]:
    """The process's resident memory now and at its peak, in MB (/proc/<pid>/status)."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu(pid: int) -> float:
    """The CPU time the process has used (user and system), in seconds: what its start costs whatever
    else the machine runs, where the time to ready grows with the load (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def start(role: str, url: str, directory: str) -> tuple[float, float, float, float]:
    """One start of `role`: seconds to ready, CPU seconds until then, RSS then and peak RSS (MB)."""
    port = free_port()
    command = [sys.executable, "-m", "bot", "run", "--role", role]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=directory,  # no .env of the working tree is read
        env={**environment(url, port), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while not ready(port):
            if process.poll() is not None:
                said = process.stderr.read().decode() if process.stderr else ""
                raise SystemExit(f"--role {role} ended: {said}")
            if time.perf_counter() - started > PATIENCE:
                raise SystemExit(f"--role {role} not ready after {PATIENCE:g} s")
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        rss, peak = memory(process.pid)
        return elapsed, cpu(process.pid), rss, peak
    finally:
        process.terminate()
        process.wait(timeout=STOP_PATIENCE)


STOP_PATIENCE = 20.0


def measure(url: str, roles: list[str], starts: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        migrated = subprocess.run(
            [sys.executable, "-m", "bot", "migrate"],
            cwd=directory,
            env={**environment(url, free_port()), "PYTHONPATH": str(ROOT)},
            check=False,
            capture_output=True,
        )
        if migrated.returncode != 0:
            raise SystemExit(f"usar migrate failed: {migrated.stderr.decode()}")
        print(
            f"{'role':<10} {'ready (median)':>15} {'ready (best)':>13} {'CPU to ready':>13} {'RSS':>7} "
            f"{'peak RSS':>9}"
        )
        for role in roles:
            if BYTECODE:
                start(role, url, directory)  # its bytecode written, as a deployment's is
            runs = [start(role, url, directory) for _ in range(starts)]
            times = [run[0] for run in runs]
            used = statistics.median(run[1] for run in runs)
            rss = statistics.median(run[2] for run in runs)
            peak = statistics.median(run[3] for run in runs)
            print(
                f"{role:<10} {statistics.median(times):>13.2f} s {min(times):>11.2f} s {used:>11.2f} s "
                f"{rss:>4.0f} MB {peak:>6.0f} MB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", nargs="+", choices=ROLES, default=list(ROLES))
    parser.add_argument("--starts", type=int, default=3, help="starts of each role (the median is given)")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="every start compiles the modules it imports"
    )
    arguments = parser.parse_args()
    global BYTECODE
    BYTECODE = not arguments.no_bytecode
    passing_key()
    kept = "bytecode kept" if BYTECODE else "no bytecode kept (PYTHONDONTWRITEBYTECODE=1)"
    print(f"{arguments.starts} starts of each role on PostgreSQL, {kept}, Python {sys.version.split()[0]}")
    roles, starts = arguments.roles, arguments.starts
    asyncio.run(on_scratch_postgres("start-up", lambda url: asyncio.to_thread(measure, url, roles, starts)))


if __name__ == "__main__":
    main()
