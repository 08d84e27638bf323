"""What docs/OPERATIONS.md has an operator install: the systemd units pass `systemd-analyze verify` and each
runs its role; Caddy reads the reverse proxy's file, which passes on the webhooks and the console and not the
metrics; the environment template names settings that exist and loads as written."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.support.processes import CHECKOUT, USAR

DEPLOY = CHECKOUT / "deploy"


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI") == "true":
            raise AssertionError(f"CI needs {name} (.ci/run installs it)")
        pytest.skip(f"{name} is not installed here")
    return found


@pytest.mark.parametrize("unit", sorted(path.name for path in (DEPLOY / "systemd").glob("*.service")))
def test_each_systemd_unit_is_valid_and_runs_its_role(unit: str, tmp_path: Path) -> None:
    text = (DEPLOY / "systemd" / unit).read_text()
    role = unit.removeprefix("usar-").removesuffix(".service") if unit != "usar.service" else "all"
    assert f"ExecStart=/opt/usar/.venv/bin/usar run --role {role}\n" in text
    assert "EnvironmentFile=/etc/usar/usar.env\n" in text and "User=usar\n" in text
    here = tmp_path / unit  # verified with this checkout's `usar` where the unit names the installed one
    here.write_text(text.replace("/opt/usar/.venv/bin/usar", str(USAR)))
    checked = subprocess.run([tool("systemd-analyze"), "verify", str(here)], capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr


def test_the_role_units_each_have_their_own_metrics_port() -> None:
    ports = [
        re.search(r"USAR_METRICS_PORT=(\d+)", path.read_text()).group(1)  # type: ignore[union-attr]
        for path in sorted((DEPLOY / "systemd").glob("usar-*.service"))
    ]
    assert len(ports) == 3 and len(set(ports)) == 3


def test_caddy_reads_the_proxy_and_it_passes_on_the_webhooks_and_console_not_the_metrics() -> None:
    adapted = subprocess.run(
        [tool("caddy"), "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
    )
    assert adapted.returncode == 0, adapted.stderr
    config = json.dumps(json.loads(adapted.stdout))
    for passed in ("/webhooks/*", "/console/*", "/calendar/*", "/healthz", "/readyz"):
        assert f'"{passed}"' in config
    assert "metrics" not in config and "127.0.0.1:8080" in config and "127.0.0.1:8081" in config


def test_the_environment_template_names_real_settings_and_loads_as_written(tmp_path: Path) -> None:
    template = (DEPLOY / "usar.env.example").read_text()
    named = set(re.findall(r"^#? ?(USAR_[A-Z_]+)=", template, re.MULTILINE))
    known = {f"USAR_{field.upper()}" for field in Settings.model_fields}
    assert named and named <= known, named - known
    assert {"USAR_DATABASE_URL", "USAR_PUBLIC_URL", "USAR_TRUSTED_PROXIES"} <= named
    uncommented = tmp_path / "usar.env"
    uncommented.write_text(template)
    settings = Settings(_env_file=uncommented)
    assert settings.database_url.startswith("postgresql://") and settings.proxies == {"127.0.0.1"}
    commented = tmp_path / "all.env"  # and with every example line filled in, as an operator would
    commented.write_text(re.sub(r"^# (USAR_)", r"\1", template, flags=re.MULTILINE))
    everything = Settings(_env_file=commented)
    assert everything.whatsapp and everything.telegram_token is not None
