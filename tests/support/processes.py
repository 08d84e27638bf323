"""Running `usar` as the operator would: a real process, with only the settings a test gives it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.support.sealing import TEST_KEYS

USAR = Path(sys.executable).with_name("usar")
CHECKOUT = Path(__file__).resolve().parents[2]  # the code under test, whichever checkout the venv points to


def usar_environment(**settings: str) -> dict[str, str]:
    """This machine's environment without any USAR_ setting of the developer's, plus the test's own; the
    process runs this checkout's code (an editable install may point at another one: a git worktree's
    tests would run the main checkout's code). It seals with the tests' data key, as the tests do."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("USAR_")}
    environment["USAR_DATA_KEY"] = TEST_KEYS  # the tests' key: what one process seals, another opens
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CHECKOUT), environment.get("PYTHONPATH")]))
    environment.update(settings)
    return environment


def usar(*arguments: str, cwd: Path, stdin: str = "", **settings: str) -> subprocess.CompletedProcess[str]:
    """`usar` run to its end, as staff or a script run it: what it wrote, and how it ended."""
    return subprocess.run(
        [str(USAR), *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=usar_environment(**settings),
        timeout=60,
    )


async def start_usar(
    *arguments: str, cwd: Path, settings: Mapping[str, str], stderr: int = asyncio.subprocess.DEVNULL
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(USAR),
        *arguments,
        cwd=cwd,
        env=usar_environment(**settings),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=stderr,
    )


async def until_serving(process: asyncio.subprocess.Process) -> None:
    """Until `usar run` (started with stderr piped) says its web server listens: a loaded machine takes
    seconds to import aiogram, which a test's wait for an answer should not count."""
    assert process.stderr is not None
    while b"web server listening" not in (line := await asyncio.wait_for(process.stderr.readline(), 60)):
        assert line, "it stopped before serving"
