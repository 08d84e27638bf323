"""CI's audit of known vulnerabilities (`.ci/audit.py`), against a pip-audit that answers as the real one does
in each case and never reaches the network: clean passes; a vulnerability not listed with a reason fails and
is named; one listed in the ignore file is passed to pip-audit and accepted; a database out of reach (no
network, or no package known to it) passes, saying plainly that nothing was audited."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

AUDIT = Path(__file__).resolve().parents[2] / ".ci" / "audit.py"

# A pip-audit that writes the JSON report it is given (without the vulnerabilities it is told to ignore, as
# pip-audit does), or fails as pip-audit does when its database is out of reach; its arguments kept.
FAKE = """#!{python}
import json, pathlib, sys
arguments = sys.argv[1:]
pathlib.Path({calls!r}).write_text(json.dumps(arguments))
behaviour = json.loads(pathlib.Path({behaviour!r}).read_text())
if behaviour.get("stderr"):
    sys.stderr.write(behaviour["stderr"])
    sys.exit(behaviour["exit"])
ignored = {{arguments[i + 1] for i, a in enumerate(arguments) if a == "--ignore-vuln"}}
report = behaviour["report"]
for dependency in report["dependencies"]:
    if "vulns" in dependency:
        dependency["vulns"] = [v for v in dependency["vulns"] if v["id"] not in ignored]
found = any(d.get("vulns") for d in report["dependencies"])
pathlib.Path(arguments[arguments.index("--output") + 1]).write_text(json.dumps(report))
sys.stderr.write("Found known vulnerabilities\\n" if found else "No known vulnerabilities found\\n")
sys.exit(1 if found else 0)
"""

AIOHTTP_ADVISORY = {
    "id": "GHSA-0000-aaaa-1111",
    "fix_versions": ["3.14.6"],
    "aliases": ["CVE-2026-0001"],
    "description": "a request smuggling",
}


def audited(
    tmp_path: Path, behaviour: dict[str, Any], ignore: str | None = None
) -> tuple[int, str, list[str]]:
    """`.ci/audit.py` run against the fake pip-audit: its exit code, what it said, pip-audit's arguments."""
    (tmp_path / "behaviour.json").write_text(json.dumps(behaviour))
    fake = tmp_path / "pip-audit"
    calls = tmp_path / "calls.json"
    fake.write_text(
        FAKE.format(python=sys.executable, calls=str(calls), behaviour=str(tmp_path / "behaviour.json"))
    )
    fake.chmod(0o755)
    ignore_file = tmp_path / "audit-ignore"
    ignore_file.write_text(ignore or "# none\n")
    ran = subprocess.run(
        [sys.executable, str(AUDIT), "--pip-audit", str(fake), "--ignore-file", str(ignore_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    arguments = json.loads(calls.read_text()) if calls.exists() else []
    return ran.returncode, ran.stdout + ran.stderr, arguments


def report(*dependencies: dict[str, Any]) -> dict[str, Any]:
    return {"report": {"dependencies": list(dependencies), "fixes": []}}


def test_a_clean_environment_passes(tmp_path: Path) -> None:
    code, said, arguments = audited(
        tmp_path,
        report(
            {"name": "aiohttp", "version": "3.14.5", "vulns": []},
            {"name": "idna", "version": "3.10", "vulns": []},
        ),
    )
    assert code == 0 and said.strip() == "audit: no known vulnerability in 2 packages"
    assert "--skip-editable" in arguments and "--ignore-vuln" not in arguments


def test_a_vulnerability_not_listed_fails_the_build_and_is_named(tmp_path: Path) -> None:
    code, said, _ = audited(
        tmp_path,
        report(
            {"name": "aiohttp", "version": "3.14.5", "vulns": [AIOHTTP_ADVISORY]},
            {"name": "idna", "version": "3.10", "vulns": []},
        ),
    )
    assert code == 1
    assert "audit: aiohttp 3.14.5: GHSA-0000-aaaa-1111 (fixed in 3.14.6)" in said
    assert "FAILED: 1 known vulnerabilities" in said and ".ci/audit-ignore" in said


def test_a_vulnerability_listed_with_its_reason_is_accepted(tmp_path: Path) -> None:
    ignore = "# accepted\nGHSA-0000-aaaa-1111  only the client is affected; we use its server alone\n"
    code, said, arguments = audited(
        tmp_path, report({"name": "aiohttp", "version": "3.14.5", "vulns": [AIOHTTP_ADVISORY]}), ignore
    )
    assert code == 0 and arguments[arguments.index("--ignore-vuln") + 1] == "GHSA-0000-aaaa-1111"
    assert "accepted GHSA-0000-aaaa-1111: only the client is affected; we use its server alone" in said


def test_a_vulnerability_listed_without_a_reason_fails(tmp_path: Path) -> None:
    code, said, arguments = audited(tmp_path, report(), "GHSA-0000-aaaa-1111\n")
    assert code == 1 and "audit-ignore line 1: GHSA-0000-aaaa-1111 needs a reason" in said
    assert arguments == []  # nothing audited on a list that does not say why


def test_a_database_out_of_reach_passes_saying_nothing_was_audited(tmp_path: Path) -> None:
    no_network = {
        "stderr": "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443): Max "
        "retries exceeded (Caused by NameResolutionError(\"Failed to resolve 'pypi.org'\"))\n",
        "exit": 1,
    }
    code, said, _ = audited(tmp_path, no_network)
    assert code == 0 and said.startswith(
        "audit: NOT AUDITED: the vulnerability database could not be reached"
    )
    assert "Failed to resolve 'pypi.org'" in said


def test_a_database_that_knows_none_of_the_packages_is_out_of_reach_too(tmp_path: Path) -> None:
    """PyPI's JSON API not served (a mirror of its index alone): pip-audit says "No known vulnerabilities"
    and exits 0, having audited nothing."""
    unknown = [
        {"name": name, "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} (1.0)"}
        for name in ("aiohttp", "idna")
    ]
    code, said, _ = audited(tmp_path, report(*unknown))
    assert code == 0 and "NOT AUDITED" in said and "it knew none of the 2 packages" in said


def test_pip_audit_failing_for_another_reason_fails_the_build(tmp_path: Path) -> None:
    code, said, _ = audited(
        tmp_path, {"stderr": "pip-audit: error: unrecognized arguments: --nonsense\n", "exit": 2}
    )
    assert code == 1 and "pip-audit failed (exit 2)" in said and "unrecognized arguments" in said
