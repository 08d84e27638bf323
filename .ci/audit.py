"""Known vulnerabilities in what is installed in .venv (pip-audit), for CI; decision 0116.

Three outcomes, each said in a line or a few:
- none known: exit 0;
- one known that `.ci/audit-ignore` does not list with a reason: each is named, exit 1;
- the vulnerability database could not be reached (no network, the service down, or it knew none of the
  packages: PyPI answers "not found" for every one when its JSON API is not served): said so, exit 0, since
  an outage elsewhere is no fault of this change.

`.ci/audit-ignore` lists one vulnerability a line, `ID  reason` (its PYSEC, GHSA or CVE id, then why it may
stay); `#` starts a comment. An ID without a reason fails the build.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
IGNORE_FILE = HERE / "audit-ignore"
PIP_AUDIT = HERE.parent / ".venv" / "bin" / "pip-audit"
# What pip-audit, or the HTTP library under it, says when its database is out of reach.
UNREACHABLE = re.compile(
    r"ConnectionError|ConnectTimeout|ReadTimeout|Timeout|Max retries exceeded|Failed to resolve|"
    r"Name or service not known|Temporary failure in name resolution|Could not connect|"
    r"network may be blocking|ServiceError|SSLError|HTTPError|5\d\d Server Error"
)
NOT_ON_THE_SERVICE = (
    "could not be audited"  # pip-audit's skip reason for a package its database does not know
)


class Problem(Exception):
    """The audit cannot say the environment is clean: the build fails with this message."""


@dataclass
class Outcome:
    lines: list[str] = field(default_factory=list)
    failed: bool = False


def ignored(path: Path) -> dict[str, str]:
    """The vulnerabilities listed as accepted, with the reason given for each."""
    listed: dict[str, str] = {}
    if not path.exists():
        return listed
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        identifier, _, reason = line.partition(" ")
        if not reason.strip():
            raise Problem(f"{path.name} line {number}: {identifier} needs a reason after it")
        listed[identifier] = reason.strip()
    return listed


def audit(pip_audit: str, ignore_file: Path) -> Outcome:
    accepted = ignored(ignore_file)
    with tempfile.TemporaryDirectory() as directory:
        report = Path(directory) / "report.json"
        command = [pip_audit, "--skip-editable", "--progress-spinner", "off", "--format", "json"]
        command += ["--output", str(report)]
        for identifier in accepted:
            command += ["--ignore-vuln", identifier]
        try:
            ran = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        except FileNotFoundError:
            raise Problem(f"{pip_audit} is not installed: make sets up .venv with it") from None
        except subprocess.TimeoutExpired:
            return _unreachable("it did not answer within 10 minutes")
        found = json.loads(report.read_text()) if report.exists() and report.stat().st_size else None
    if found is None:
        if ran.returncode != 0 and UNREACHABLE.search(ran.stderr):
            said = [line for line in ran.stderr.strip().splitlines() if line.strip()]
            return _unreachable(said[-1] if said else "no answer")
        raise Problem(f"pip-audit failed (exit {ran.returncode}): {ran.stderr.strip()[-2000:]}")
    return _judged(found, accepted)


def _unreachable(why: str) -> Outcome:
    return Outcome(
        [
            "audit: NOT AUDITED: the vulnerability database could not be reached "
            f"({why}). The build goes on; run `make audit` where it can be reached."
        ]
    )


def _judged(found: dict[str, object], accepted: dict[str, str]) -> Outcome:
    dependencies = found.get("dependencies", [])
    assert isinstance(dependencies, list)
    vulnerable = [d for d in dependencies if d.get("vulns")]
    unknown = [d for d in dependencies if NOT_ON_THE_SERVICE in str(d.get("skip_reason", ""))]
    audited = [d for d in dependencies if "skip_reason" not in d]
    if vulnerable:
        lines = [
            f"audit: {d['name']} {d['version']}: {v['id']}"
            + (f" (fixed in {', '.join(v['fix_versions'])})" if v.get("fix_versions") else " (no fix yet)")
            for d in vulnerable
            for v in d["vulns"]
        ]
        lines.append(
            f"audit: FAILED: {len(lines)} known vulnerabilities. Upgrade, or list each in "
            ".ci/audit-ignore as `ID  reason` if it may stay."
        )
        return Outcome(lines, failed=True)
    if not audited and unknown:
        return _unreachable(f"it knew none of the {len(unknown)} packages")
    lines = [f"audit: no known vulnerability in {len(audited)} packages"]
    lines += [f"audit: accepted {identifier}: {reason}" for identifier, reason in accepted.items()]
    if unknown:
        names = ", ".join(str(d["name"]) for d in unknown)
        lines.append(f"audit: not in the vulnerability database, so not audited: {names}")
    return Outcome(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pip-audit", default=str(PIP_AUDIT), help="the pip-audit to run")
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE)
    arguments = parser.parse_args()
    try:
        outcome = audit(arguments.pip_audit, arguments.ignore_file)
    except Problem as problem:
        print(f"audit: FAILED: {problem}", file=sys.stderr)
        return 1
    print("\n".join(outcome.lines), file=sys.stderr if outcome.failed else sys.stdout)
    return 1 if outcome.failed else 0


if __name__ == "__main__":
    sys.exit(main())
