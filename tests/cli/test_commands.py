"""The `usar` command as staff and scripts run it: a real process, a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
import signal
import socket
import sqlite3
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.support.builders import REGISTRATION, families_in
from tests.support.processes import USAR, usar, usar_environment
from tests.support.sealing import keyring_of_the_tests


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def test_help_lists_every_command_and_each_has_its_own(workdir: Path) -> None:
    listing = usar("--help", cwd=workdir)
    assert listing.returncode == 0
    for name in ("chat", "run", "migrate", "staff", "export"):
        assert name in listing.stdout
    for command in (["chat"], ["run"], ["migrate"], ["staff", "add"], ["export", "beneficiaries"]):
        assert usar(*command, "--help", cwd=workdir).returncode == 0


def test_a_piped_registration_is_stored_in_the_default_sqlite_file(workdir: Path) -> None:
    chat = usar("chat", "--as", "966500000001", cwd=workdir, stdin=REGISTRATION)
    assert chat.returncode == 0, chat.stderr
    assert "  1. تسجيل أسرتي" in chat.stdout
    assert "شكراً لك يا فاطمة! تم تسجيل أسرتك" in chat.stdout
    with sqlite3.connect(workdir / "usar.db") as db:
        row = db.execute(
            "SELECT full_name, national_id_tail, mobile_tail, office_code, language, national_id_sealed,"
            " mobile_sealed FROM beneficiaries"
        ).fetchone()
        conversation = db.execute("SELECT channel, address_sealed FROM conversations").fetchone()
    assert row[:5] == ("فاطمة أحمد الزهراني", "0008", "4567", "makkah", "ar")
    keys = keyring_of_the_tests()  # the process sealed them with the tests' key, which opens them
    assert keys.open_text(row[5], b"beneficiaries.national_id") == b"1000000008"
    assert keys.open_text(row[6], b"beneficiaries.mobile") == b"+966551234567"
    assert conversation[0] == "terminal"
    assert keys.open_text(conversation[1], b"conversations.address") == b"966500000001"
    assert "1000000008" not in chat.stderr and "551234567" not in chat.stderr
    assert "Traceback" not in chat.stderr and "failed" not in chat.stderr  # its scheduler ends with the chat


def test_lang_picks_english_for_a_new_conversation(workdir: Path) -> None:
    chat = usar("chat", "--lang", "en", cwd=workdir, stdin="hi\n2\n")
    assert "Welcome to Usar" in chat.stdout and "Usar supports productive" in chat.stdout


def test_staff_are_added_with_a_role_and_an_office(workdir: Path) -> None:
    added = usar(
        "staff", "add", "--address", "123456789", "--role", "staff", "--office", "jumum", cwd=workdir
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout == "usar: 123456789 is now staff for office jumum.\n"
    promoted = usar("staff", "add", "--address", "123456789", "--role", "admin", cwd=workdir)
    assert promoted.returncode == 0 and promoted.stdout == "usar: 123456789 is now admin for every office.\n"
    with sqlite3.connect(workdir / "usar.db") as db:
        assert db.execute("SELECT address, role, office_code FROM staff").fetchall() == [
            ("123456789", "admin", None)
        ]
    refused = usar(
        "staff", "add", "--address", "0551234", "--role", "admin", "--office", "makkah", cwd=workdir
    )  # a mobile cut short, and an office for someone who acts for all
    assert refused.returncode == 2
    assert "--address: Please type a Saudi mobile number" in refused.stderr
    assert "--office: an administrator acts for every office: give no office" in refused.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--role", "staff", "--office", "riyadh"],
            "--office: unknown office “riyadh”; the offices are: makkah, jumum, jeddah",
        ),
        (["--role", "staff"], "--office: A staff member belongs to one office: choose hers."),
        (["--role", "boss", "--office", "makkah"], "invalid choice: 'boss'"),
    ],
)
def test_a_staff_typo_is_explained_and_changes_nothing(
    workdir: Path, arguments: list[str], message: str
) -> None:
    result = usar("staff", "add", "--address", "123", *arguments, cwd=workdir)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    if (workdir / "usar.db").exists():
        with sqlite3.connect(workdir / "usar.db") as db:
            assert db.execute("SELECT count(*) FROM staff").fetchone() == (0,)


def test_an_admin_names_her_and_sets_a_password_the_console_takes(workdir: Path) -> None:
    """`usar staff password` refuses what the console refuses (one policy, `office.passwords.refusal`), saying
    why; the longest the console takes, 1,024 characters, is taken, and one more is not."""
    added = usar(
        "staff", "add", "--login", "Fatimah.Harbi", "--name", "فاطمة  الحربي", "--role", "staff", "--office",
        "makkah", cwd=workdir,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("usar: فاطمة الحربي is now staff for office makkah.")
    for password, why in [
        (" " * 10, "The password is only spaces"),
        ("z" * 16, "The password repeats one character"),
        ("FATIMAH.harbi", "The password is the login itself"),
        ("x" * 1024 + "y", "The password is too long: it may have at most 1024 characters."),
    ]:
        refused = usar("staff", "password", "fatimah.harbi", cwd=workdir, stdin=password + "\n")
        assert refused.returncode == 2 and why in refused.stderr, refused.stderr
    with sqlite3.connect(workdir / "usar.db") as db:
        assert db.execute("SELECT password_hash FROM staff").fetchall() == [(None,)]
    longest = usar("staff", "password", "fatimah.harbi", cwd=workdir, stdin="x1" * 512 + "\n")
    assert longest.returncode == 0, longest.stderr
    listed = usar("staff", "list", cwd=workdir)
    assert listed.stdout == "فاطمة الحربي  fatimah.harbi  -  staff  makkah  console\n"
    helped = usar("staff", "add", "--help", cwd=workdir).stdout
    assert "A staff member must have one; an admin acts for every office and has none." in " ".join(
        helped.split()
    )


def test_tips_and_services_are_imported_by_administrators_alone(workdir: Path) -> None:
    usar("staff", "add", "--address", "5550001", "--role", "staff", "--office", "jumum", cwd=workdir)
    usar("staff", "add", "--address", "5550009", "--role", "admin", cwd=workdir)
    (workdir / "tips.csv").write_text(
        "id,topic,ar,en,source,retired\n"
        "clean-99,clean,اغسلي يديك قبل الطبخ.,Wash your hands before cooking.,WHO,\n",
        encoding="utf-8",
    )
    (workdir / "services.csv").write_text(
        "id,name_ar,name_en,about_ar,about_en,how_ar,how_en,link,retired\n"
        "bank,بنك التنمية الاجتماعية,Social Development Bank,قروض للأسر.,Loans for families.,قدّمي عبر موقعه.,"
        "Apply on its website.,https://www.sdb.gov.sa,\n",
        encoding="utf-8",
    )
    refused = usar("tips", "import", "tips.csv", "--as", "5550001", cwd=workdir)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr.endswith("usar: Only an administrator can do this.\n"), refused.stderr
    nobody = usar("services", "import", "services.csv", "--as", "nobody", cwd=workdir)
    assert nobody.returncode == 2 and "usar: “nobody” is not a staff member." in nobody.stderr
    with sqlite3.connect(workdir / "usar.db") as db:
        assert db.execute("SELECT count(*) FROM tips WHERE id = 'clean-99'").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM audit_log WHERE action LIKE '%.import'").fetchone() == (0,)
    admin = usar("tips", "import", "tips.csv", "--as", "5550009", cwd=workdir)
    assert (admin.returncode, admin.stdout) == (0, "usar: 1 tips added and 0 updated.\n"), admin.stderr
    operator = usar("services", "import", "services.csv", cwd=workdir)
    assert (operator.returncode, operator.stdout) == (0, "usar: 1 services added and 0 updated.\n")
    with sqlite3.connect(workdir / "usar.db") as db:
        recorded = db.execute(
            "SELECT action, staff_id, outcome, details FROM audit_log WHERE action LIKE '%.import' "
            "ORDER BY id"
        ).fetchall()
        admin_id = db.execute("SELECT id FROM staff WHERE address = '5550009'").fetchone()[0]
    assert [(action, by, outcome, json.loads(details)) for action, by, outcome, details in recorded] == [
        ("tips.import", admin_id, "imported", {"added": 1, "updated": 0}),
        ("services.import", None, "imported", {"added": 1, "updated": 0}),
    ]


def test_export_as_csv_opens_in_a_spreadsheet_with_arabic_intact(workdir: Path) -> None:
    usar("chat", "--as", "966500000001", cwd=workdir, stdin=REGISTRATION)
    exported = usar("export", "beneficiaries", "--format", "csv", "--output", "families.csv", cwd=workdir)
    assert exported.returncode == 0, exported.stderr
    assert "1 beneficiaries written" in exported.stderr
    path = workdir / "families.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM that tells Excel it is UTF-8
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    [header, row] = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    record = dict(zip(header, row, strict=True))
    assert record["الاسم"] == "فاطمة أحمد الزهراني"
    assert record["رقم الهوية"] == '="1000000008"' and record["الجوال"] == '="+966551234567"'  # text in Excel
    assert record["المكتب"] == "مكة المكرمة" and record["المنتجات"] == "وجبات مطبوخة ومخبوزات وحلويات"
    assert record["تاريخ التسجيل (هجري)"].endswith("1448 هـ")


def test_export_as_json_to_standard_output(workdir: Path) -> None:
    empty = usar("export", "beneficiaries", "--format", "json", cwd=workdir)
    assert json.loads(empty.stdout) == []
    usar("chat", "--as", "966500000001", cwd=workdir, stdin=REGISTRATION)
    exported = usar("export", "beneficiaries", "--format", "json", "--lang", "en", cwd=workdir)
    [family] = json.loads(exported.stdout)
    assert family["national_id"] == "1000000008" and family["office"] == "Makkah"
    assert family["products"] == ["cooked_meals", "baked_sweets"] and family["health_certificate"] is True


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "USAR_DATABASE_URL",
            "mysql://localhost/usar",
            "setting USAR_DATABASE_URL is 'mysql://localhost/usar': unsupported database 'mysql'",
        ),
        (
            "USAR_DEFAULT_LANGUAGE",
            "fr",
            "setting USAR_DEFAULT_LANGUAGE is 'fr': not allowed. Allowed: ar or en.",
        ),
        (
            "USAR_DATABASE_URL",
            "::nonsense::",
            "setting USAR_DATABASE_URL is '::nonsense::': not a database URL",
        ),
        (
            "USAR_QUIET_HOURS",
            "25:00-08:00",
            "setting USAR_QUIET_HOURS is '25:00-08:00': not a time of day (hour must be in 0..23). "
            "Allowed: two times of day, HH:MM-HH:MM such as 22:00-08:00, or off.",
        ),
        (
            "USAR_WHATSAPP_TEMPLATES",
            "notjson",
            "setting USAR_WHATSAPP_TEMPLATES is 'notjson': not JSON. Allowed:",
        ),
        ("USAR_HTTP_PORT", "99999", "setting USAR_HTTP_PORT is '99999': not allowed. Allowed: a port from 1"),
        ("USAR_REMINDERS", "3d", "setting USAR_REMINDERS is '3d': not allowed. Allowed: hours or minutes"),
        ("USAR_TELEGRAM_TOKEN", "12345:secret", "setting USAR_TELEGRAM_TOKEN is (hidden, 12 characters):"),
        (
            "USAR_KEEP_UPLOADS",
            "2d",
            "setting USAR_KEEP_UPLOADS is '2d': too long. Allowed: a period from 10m to 24h, such as 1h",
        ),
        (
            "USAR_KEEP_CONTACTS",
            "forever",
            "setting USAR_KEEP_CONTACTS is 'forever': not allowed. Allowed: a period from 30d to 3650d",
        ),
        ("USAR_KEEP_DELIVERY_TEXTS", "1d", "setting USAR_KEEP_DELIVERY_TEXTS is '1d': too short. Allowed:"),
    ],
)
def test_a_malformed_setting_stops_with_one_clear_line(
    workdir: Path, name: str, value: str, message: str
) -> None:
    """One line naming the variable, what was given (never a secret) and what is allowed; no traceback."""
    result = usar("migrate", cwd=workdir, **{name: value})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"usar: {message}")
    assert "secret" not in line


def test_a_misspelt_setting_is_named_with_the_closest_one_and_the_rest_still_runs(workdir: Path) -> None:
    (workdir / ".env").write_text("USAR_QUIET_HOUR=off\n")
    result = usar("migrate", cwd=workdir, USAR_DATABSE_URL="sqlite:///elsewhere.db", USAR_SCREENSHOTS="x")
    assert (
        result.returncode == 0 and (workdir / "usar.db").exists()
    )  # the default: the misspelt one is ignored
    assert result.stderr.splitlines() == [
        "usar: warning: USAR_DATABSE_URL is not a setting and is ignored (did you mean USAR_DATABASE_URL?)",
        "usar: warning: USAR_QUIET_HOUR is not a setting and is ignored (did you mean USAR_QUIET_HOURS?)",
    ]


def test_a_port_in_use_is_named_as_such(workdir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = usar("run", "--role", "web", cwd=workdir, USAR_HTTP_PORT=str(port))
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"usar: port {port} on 127.0.0.1 is in use by another program: stop that program, or choose another "
        "port with USAR_HTTP_PORT"
    )
    assert "Traceback" not in result.stderr and "database" not in result.stderr.splitlines()[-1]
    assert "roles are run in separate processes on PostgreSQL alone" in result.stderr  # --role web on SQLite


def test_settings_come_from_a_dot_env_file(workdir: Path) -> None:
    (workdir / ".env").write_text("USAR_DATABASE_URL=sqlite:///from-dotenv.db\n")
    assert usar("migrate", cwd=workdir).returncode == 0
    assert (workdir / "from-dotenv.db").exists()


def test_run_without_a_channel_keeps_the_scheduler_running_and_says_how_to_chat(workdir: Path) -> None:
    """Without a terminal to chat in, `usar run` serves and schedules until it is stopped."""
    running = subprocess.Popen(
        [str(USAR), "run"],
        cwd=workdir,
        env=usar_environment(USAR_HTTP_PORT="0"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert running.stdout is not None and running.stderr is not None
        said = [running.stdout.readline(), running.stdout.readline()]
        assert "no channel is configured" in said[0] and "usar chat --as ADDRESS" in said[1]
        while "web server listening" not in (line := running.stderr.readline()):
            assert line, "it stopped before serving"
        port = int(line.rsplit(":", 1)[1])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert json.load(answer) == {"status": "ok"}
        running.send_signal(signal.SIGTERM)
        assert running.wait(timeout=30) == 0
    finally:
        running.kill()
        running.wait()


def test_an_unreachable_database_is_one_clear_line(workdir: Path) -> None:
    result = usar("migrate", cwd=workdir, USAR_DATABASE_URL="sqlite:////nonexistent/dir/usar.db")
    assert result.returncode == 1
    assert result.stderr.startswith("usar: cannot use the database:") and "Traceback" not in result.stderr


def test_an_export_over_an_older_readable_file_is_made_private(workdir: Path) -> None:
    older = workdir / "families.csv"
    older.write_text("old")
    older.chmod(0o644)
    assert usar("export", "beneficiaries", "--output", "families.csv", cwd=workdir).returncode == 0
    assert oct(older.stat().st_mode & 0o777) == "0o600"


def test_announcements_counts_previews_and_schedules(workdir: Path) -> None:
    families_in(workdir)
    dry = usar(
        "announcements",
        "create",
        "--ar",
        "ملتقى الأسر يوم الثلاثاء",
        "--office",
        "makkah",
        "--dry-run",
        cwd=workdir,
    )
    assert dry.returncode == 0, dry.stderr
    assert (
        "Reaches 3 families (1 left out: they stopped announcements; 0: they blocked the bot)." in dry.stdout
    )
    assert "Arabic: ملتقى الأسر يوم الثلاثاء" in dry.stdout and "Dry run" in dry.stdout
    made = usar(
        "announcements",
        "create",
        "--ar",
        "ملتقى",
        "--en",
        "Forum",
        "--canteen",
        "--all-offices",
        "--at",
        "2099-05-01 09:00",
        cwd=workdir,
    )
    assert made.returncode == 0, made.stderr
    assert "Reaches 2 families" in made.stdout and "2099-05-01 09:00 Riyadh time" in made.stdout
    assert "Announcement 1 created" in made.stdout
    status = usar("announcements", "status", "1", "--follow", cwd=workdir)
    assert status.returncode == 0, status.stderr
    assert (
        status.stdout.startswith("scheduled for 2099-05-01 09:00 Riyadh time") and "0/0" not in status.stdout
    )
    listed = usar("broadcast", "list", cwd=workdir)  # its old name, kept for scripts
    assert listed.stdout.startswith("1. ملتقى\n   scheduled for 2099-05-01 09:00")
    assert usar("announcements", "cancel", "1", cwd=workdir).returncode == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--at", "tomorrow 9am"], 'write the Riyadh time as "YYYY-MM-DD HH:MM"'),
        (["--at", "2001-01-01 09:00"], "--at: That time has already passed."),
        (["--office", "riyadh"], "--office: unknown office “riyadh”"),
        (["--as", "5550001", "--office", "jeddah"], "Staff of an office can only address their own office."),
        (["--as", "nobody"], "“nobody” is not a staff member."),
    ],
)
def test_announcements_mistakes_are_explained_and_create_nothing(
    workdir: Path, arguments: list[str], message: str
) -> None:
    families_in(workdir)
    usar("staff", "add", "--address", "5550001", "--role", "staff", "--office", "jumum", cwd=workdir)
    result = usar("announcements", "create", "--ar", "نص", "--all-offices", *arguments, cwd=workdir)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert usar("broadcast", "status", "1", cwd=workdir).stderr.strip() == "usar: There is no announcement 1."


def test_staff_of_an_office_reach_only_their_office(workdir: Path) -> None:
    families_in(workdir)
    usar("staff", "add", "--address", "5550001", "--role", "staff", "--office", "jumum", cwd=workdir)
    result = usar("broadcast", "create", "--ar", "نص", "--as", "5550001", "--dry-run", cwd=workdir)
    assert "Reaches 4 families" in result.stdout  # Al-Jumum's four, not the town's eleven
