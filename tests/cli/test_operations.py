"""docs/OPERATIONS.md followed as far as one machine allows: the settings from the environment template (on
SQLite, in one process), the schema, the first administrator and her password, the process started with its
metrics port, the world's /readyz and the metrics' own, her sign-in at the console, a backup while it runs,
and a restore once it has stopped."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.processes import CHECKOUT, USAR, usar, usar_environment


def settings_from_the_template(directory: Path) -> dict[str, str]:
    """/etc/usar/usar.env as the guide has her write it, for one process on SQLite on this machine."""
    template = (CHECKOUT / "deploy" / "usar.env.example").read_text()
    settings = dict(re.findall(r"^(USAR_[A-Z_]+)=(.*)$", template, re.MULTILINE))
    settings.update(  # what she fills in: here, SQLite and any free port, as deploy/systemd/usar.service does
        USAR_DATABASE_URL=f"sqlite:///{directory / 'usar.db'}",
        USAR_PUBLIC_URL="http://127.0.0.1",
        USAR_HTTP_PORT="0",
        USAR_METRICS_PORT="0",
        USAR_SPOOL_DIRECTORY=str(directory / "spool"),
    )
    return settings


def read(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def test_the_operators_guide_from_settings_to_a_restore(tmp_path: Path) -> None:
    settings = settings_from_the_template(tmp_path)
    assert usar("migrate", cwd=tmp_path, **settings).returncode == 0
    added = usar(
        "staff", "add", "--login", "noura", "--name", "نورة", "--role", "admin", cwd=tmp_path, **settings
    )
    assert added.returncode == 0, added.stderr
    chosen = usar("staff", "password", "noura", cwd=tmp_path, stdin="a long password for noura\n", **settings)
    assert chosen.returncode == 0, chosen.stderr

    running = subprocess.Popen(
        [str(USAR), "run", "--role", "all"],
        cwd=tmp_path,
        env=usar_environment(**settings),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert running.stderr is not None
        said: list[str] = []
        while "started as all" not in (line := running.stderr.readline()):
            assert line, "it stopped before serving: " + "".join(said)
            said.append(line)
        web = int(next(s for s in said if "web server listening" in s).rsplit(":", 1)[1])
        metrics = int(next(s for s in said if "metrics at" in s).rsplit(":", 1)[1].split("/")[0])
        assert read(f"http://127.0.0.1:{web}/readyz") == (200, json.dumps({"status": "ready"}))
        status, details = read(f"http://127.0.0.1:{metrics}/readyz")
        assert status == 200 and json.loads(details)["role"] == "all"
        status, text = read(f"http://127.0.0.1:{metrics}/metrics")
        assert status == 200 and "usar_sends_total" in text
        assert read(f"http://127.0.0.1:{web}/metrics")[0] == 404
        assert read(f"http://127.0.0.1:{web}/console/login")[0] == 200  # where she signs in

        backed_up = usar("backup", "backup.db", cwd=tmp_path, **settings)
        assert backed_up.returncode == 0, backed_up.stderr
        refused = usar("restore", "backup.db", cwd=tmp_path, **settings)
        assert refused.returncode == 2 and "is in use" in refused.stderr
    finally:
        running.send_signal(signal.SIGTERM)
        assert running.wait(timeout=30) == 0
    restored = usar("restore", "backup.db", cwd=tmp_path, **settings)
    assert restored.returncode == 0, restored.stderr
    listed = usar("staff", "list", cwd=tmp_path, **settings)
    assert "نورة" in listed.stdout and "noura" in listed.stdout
