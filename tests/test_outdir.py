"""Where builds land: only qbank's own folders are replaced, concurrent and interrupted builds
leave a whole build in place, and a failure on the way says what happened in one line."""

from __future__ import annotations

import csv
import fcntl
import json
import os
import pty
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from conftest import run_qbank
from qbank import build, cli
from qbank.exam import plan, spec
from qbank.output import outdir
from qbank.paper import pages

ONE_QUESTION = '[[question]]\ngenerator = "lstm.param_count"\npoints = 3\n'


def write_spec(folder: Path, title: str, versions: int = 1, extra: str = "", name: str = "exam.toml") -> Path:
    path = folder / name
    path.write_text(f'[exam]\ntitle = "{title}"\nversions = {versions}\n{extra}\n' + ONE_QUESTION, encoding="utf-8")
    return path


def build_cli(folder: Path, spec_path: Path, *args, env=None):
    return run_qbank("build", "exam", str(spec_path), "--out", str(folder / "out"), *args, cwd=folder, env=env)


def hidden(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".") and p.name != outdir.LOCK)


def test_titles_with_the_same_slug_get_separate_folders(tmp_path):
    first = build_cli(tmp_path, write_spec(tmp_path, "Quiz #1", name="a.toml"))
    second = build_cli(tmp_path, write_spec(tmp_path, "Quiz 1", name="b.toml"))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    folders = sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("."))
    assert len(folders) == 2 and folders[0] == "quiz-1" and folders[1].startswith("quiz-1-")
    titles = {json.loads((tmp_path / "out" / f / "manifest.json").read_text())["exam"]["title"] for f in folders}
    assert titles == {"Quiz #1", "Quiz 1"}
    again = build_cli(tmp_path, write_spec(tmp_path, "Quiz 1", name="b.toml"))  # the same title finds its folder
    assert again.returncode == 0 and folders[1] in again.stdout


def test_a_build_of_an_older_qbank_is_replaced(tmp_path):
    legacy = tmp_path / "out" / "exam"
    legacy.mkdir(parents=True)
    (legacy / "manifest.json").write_text(json.dumps({"qbank": "0.0.9", "exam": {"title": "Exam"}}))
    result = build_cli(tmp_path, write_spec(tmp_path, "Exam"))
    assert result.returncode == 0, result.stderr
    assert (legacy / outdir.MARKER).exists()


def test_concurrent_builds_into_one_folder_all_succeed(tmp_path):
    spec_path = write_spec(tmp_path, "Exam", versions=2)
    for _ in range(3):
        runs = [subprocess.Popen([sys.executable, "-m", "qbank", "build", "exam", str(spec_path), "--out", "out"],
                                 cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(3)]
        results = [(run.wait(timeout=600), run.stderr.read()) for run in runs]
        assert all(status == 0 for status, _ in results), results
    assert hidden(tmp_path / "out") == []
    manifest = json.loads((tmp_path / "out" / "exam" / "manifest.json").read_text())
    assert len(manifest["versions"]) == 2


def test_dead_builds_are_cleaned_and_live_ones_never(tmp_path):
    out = tmp_path / "out"
    dead, live = out / ".exam.partial-1-0000dead", out / ".exam.partial-2-0000beef"
    for folder in (dead, live):
        folder.mkdir(parents=True)
        (folder / outdir.OWNER).touch()
    holder = os.open(live / outdir.OWNER, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # as the live build's process holds it
    try:
        result = build_cli(tmp_path, write_spec(tmp_path, "Exam"))
        assert result.returncode == 0, result.stderr
        assert not dead.exists() and live.exists()
    finally:
        os.close(holder)


def test_an_old_build_whose_swap_was_cut_is_put_back(tmp_path):
    out = tmp_path / "out"
    old = out / ".exam.old-1-000000c7"  # a power cut between moving the old build away and the new one in
    old.mkdir(parents=True)
    (old / outdir.MARKER).write_text(json.dumps({"title": "Exam"}))
    (old / "all-exams.pdf").write_text("old")
    with outdir.staging(out, "exam"):
        assert (out / "exam" / "all-exams.pdf").read_text() == "old" and not old.exists()


def test_folders_of_the_user_that_look_like_qbank_names_are_left_alone(tmp_path):
    out = tmp_path / "out"
    mine = [out / ".exam.old-2024", out / ".exam.partial-notes", out / ".exam.partial-1-0000dead",
            out / ".exam.old-1-000000c7"]  # the last two: qbank's exact names, without its owner file or marker
    for folder in mine:
        folder.mkdir(parents=True)
        (folder / "grades.csv").write_text("id,grade\n1,90\n")
    result = build_cli(tmp_path, write_spec(tmp_path, "Exam"))
    assert result.returncode == 0, result.stderr
    assert all((folder / "grades.csv").read_text() == "id,grade\n1,90\n" for folder in mine)


def test_two_titles_with_one_slug_built_at_once_both_succeed(tmp_path):
    specs = [write_spec(tmp_path, "Quiz 1", name="a.toml"), write_spec(tmp_path, "Quiz #1", name="b.toml")]
    for attempt in range(3):
        out = f"out{attempt}"
        runs = [subprocess.Popen([sys.executable, "-m", "qbank", "build", "exam", str(spec_path), "--out", out],
                                 cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for spec_path in specs]
        results = [(run.wait(timeout=600), run.stderr.read()) for run in runs]
        assert all(status == 0 for status, _ in results), results
        titles = {json.loads((folder / "manifest.json").read_text())["exam"]["title"]
                  for folder in (tmp_path / out).iterdir() if not folder.name.startswith(".")}
        assert titles == {"Quiz 1", "Quiz #1"}


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two renames"])
def test_a_rebuild_replaces_the_previous_build_whole(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(outdir, "_exchange", lambda a, b: False)
    exam = spec.parse(write_spec(tmp_path, "Exam").read_text(), "exam.toml", tmp_path)
    target = build.build(exam, plan.plan(exam), tmp_path / "out")
    (target / "stale.txt").write_text("from the previous build")
    assert build.build(exam, plan.plan(exam), tmp_path / "out") == target
    assert not (target / "stale.txt").exists() and (target / "manifest.json").exists()
    assert hidden(tmp_path / "out") == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_build_keeps_the_previous_build_and_says_so(tmp_path, sig):
    spec_path = write_spec(tmp_path, "Exam", versions=1)
    assert build_cli(tmp_path, spec_path).returncode == 0
    target = tmp_path / "out" / "exam"
    before = {p.name: p.read_bytes() for p in target.iterdir() if p.is_file()}
    spec_path = write_spec(tmp_path, "Exam", versions=40)
    # a shell that starts jobs in the background hands them SIGINT ignored, and Python then keeps
    # ignoring it (as it should): the build under test gets the default, as a terminal would give it
    run = subprocess.Popen([sys.executable, "-m", "qbank", "build", "exam", str(spec_path), "--out", "out"],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list((tmp_path / "out").glob(".exam.partial-*/tex/*.tex")) and time.monotonic() < deadline:
        time.sleep(0.05)
    run.send_signal(sig)
    status, err = run.wait(timeout=600), run.stderr.read()
    assert status == cli.INTERRUPTED, err
    assert err.strip().splitlines() == ["qbank: interrupted; nothing was changed (a previous build is kept)"]
    assert {p.name: p.read_bytes() for p in target.iterdir() if p.is_file()} == before
    assert hidden(tmp_path / "out") == []


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has a SIGTERM handler: Python installs none, qbank's __main__ does first."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def _started_build(folder: Path, spec_path: Path) -> subprocess.Popen:
    """A build, returned once qbank's first instruction has run (Python's own start-up is not ours)."""
    run = subprocess.Popen([sys.executable, "-m", "qbank", "build", "exam", str(spec_path), "--out", "out"],
                           cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while run.poll() is None and not _catches_sigterm(run.pid) and time.monotonic() < deadline:
        time.sleep(0.002)
    return run


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads signal masks from /proc")
def test_ctrl_c_at_any_moment_is_one_line_and_leaves_a_whole_build(tmp_path):
    """Ctrl-C from qbank's first instruction to its last: imports, reading the spec, making and
    typesetting versions, publishing, the summary line and the exit."""
    spec_path = write_spec(tmp_path, "Exam", versions=2)
    first = _started_build(tmp_path, spec_path)
    start = time.monotonic()
    assert first.wait(timeout=300) == 0, first.stderr.read()
    lifetime = time.monotonic() - start
    built = {p.name: p.read_bytes() for p in (tmp_path / "out" / "exam").iterdir() if p.is_file()}
    for step in range(12):  # evenly over the whole life of a build, and just past it
        run = _started_build(tmp_path, spec_path)
        time.sleep(lifetime * step / 10)
        run.send_signal(signal.SIGINT)
        status, err = run.wait(timeout=300), run.stderr.read()
        assert (status, err) in ((0, ""), (cli.INTERRUPTED, cli.INTERRUPTED_LINE + "\n")), (step, status, err)
        # the same spec rebuilds the same bytes: the previous build and a finished one are alike
        assert {p.name: p.read_bytes() for p in (tmp_path / "out" / "exam").iterdir() if p.is_file()} == built
        assert hidden(tmp_path / "out") == []


@pytest.mark.parametrize("module, name, mode", [(build, "answer-key.csv", "w"), (pages, ".pdf", "wb")],
                         ids=["answer key", "PDFs cut and merged"])
def test_a_full_disk_is_one_line(tmp_path, monkeypatch, capsys, module, name, mode):
    real_open = open

    def full(path, *args, **kwargs):  # these files land on a device with no space left
        return real_open("/dev/full", mode) if str(path).endswith(name) else real_open(path, *args, **kwargs)

    monkeypatch.setattr(module, "open", full, raising=False)
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path, "Exam")
    assert cli.main(["build", "exam", "exam.toml", "--out", "out"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "free some space" in err[0]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [outdir.LOCK]


def test_tex_killed_without_a_log_says_so_and_keeps_what_it_printed(tmp_path):
    fake = tmp_path / "bin" / "pdflatex"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'This is a fake pdfTeX'\nkill -9 $$\n")
    fake.chmod(0o755)
    env = os.environ | {"PATH": f"{fake.parent}:{os.environ['PATH']}"}
    result = build_cli(tmp_path, write_spec(tmp_path, "Exam"), env=env)
    line = result.stderr.strip()
    assert result.returncode == 2 and len(line.splitlines()) == 1 and "TeX was killed by signal 9" in line
    kept = Path(line.rsplit("log kept at ", 1)[1])
    assert "fake pdfTeX" in kept.read_text()


def test_a_bug_is_one_line_with_exit_70_and_a_traceback_only_with_debug(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(cli.registry, "get", broken)
    assert cli.main(["show", "bn.statistics"]) == cli.INTERNAL
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (ZeroDivisionError: a bug)" in err and "Traceback" not in err
    assert cli.main(["show", "bn.statistics", "--debug"]) == cli.INTERNAL
    assert "Traceback" in capsys.readouterr().err


def test_csv_cells_that_a_spreadsheet_would_run_are_text(tmp_path):
    (tmp_path / "students.csv").write_text('id,name\n=HYPERLINK("http://x"),@SUM(A1)\n-5,+Ada\n', encoding="utf-8")
    result = build_cli(tmp_path, write_spec(tmp_path, "Exam", extra='roster = "students.csv"'))
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "exam"
    index = list(csv.DictReader((folder / "index.csv").open(encoding="utf-8")))
    assert [(r["student_id"], r["student_name"]) for r in index] == [("'=HYPERLINK(\"http://x\")", "'@SUM(A1)"),
                                                                      ("-5", "'+Ada")]
    key = list(csv.DictReader((folder / "answer-key.csv").open(encoding="utf-8")))
    assert {r["student_id"] for r in key} == {"'=HYPERLINK(\"http://x\")", "-5"}
    for row in key:
        assert not row["exact"].startswith(("=", "+", "@")) and not row["decimal"].startswith(("=", "+", "@"))


def test_a_roster_saved_by_excel_with_a_byte_order_mark_and_accents_builds(tmp_path):
    (tmp_path / "students.csv").write_bytes("id,name\ns1,José Müller-Łukasiewicz\n".encode("utf-8-sig"))
    result = build_cli(tmp_path, write_spec(tmp_path, "Exam", extra='roster = "students.csv"'))
    assert result.returncode == 0, result.stderr


def test_a_secret_salts_every_seed_is_never_written_and_is_needed_to_rebuild(tmp_path):
    secret = "correct horse battery staple"
    env = os.environ | {"QBANK_TEST_SECRET": secret}
    plain = write_spec(tmp_path, "Exam", versions=3, name="plain.toml")
    salted = write_spec(tmp_path, "Exam", versions=3, extra='secret = "env:QBANK_TEST_SECRET"', name="salted.toml")
    without = [v.code for v in plan.plan(spec.load(plain))]
    result = build_cli(tmp_path, salted, env=env)
    assert result.returncode == 0, result.stderr
    manifest_path = tmp_path / "out" / "exam" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert not {v["code"] for v in manifest["versions"]} & set(without)
    assert manifest["secret"]["source"] == "env:QBANK_TEST_SECRET"
    assert secret not in "".join(p.read_text(errors="replace") for p in (tmp_path / "out").rglob("*")
                                 if p.is_file() and p.suffix != ".pdf")
    rebuilt = run_qbank("build", "exam", "--from-manifest", str(manifest_path), "--out", str(tmp_path / "again"),
                        cwd=tmp_path, env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    wrong = run_qbank("build", "exam", "--from-manifest", str(manifest_path), "--out", str(tmp_path / "again"),
                      cwd=tmp_path, env=os.environ | {"QBANK_TEST_SECRET": "x" * 20})
    assert wrong.returncode == 2 and "is not the one this build was made with" in wrong.stderr
    code = manifest["versions"][0]["code"]
    shown = run_qbank("show-version", code, "--spec", str(salted), "--out", "out", cwd=tmp_path, env=env)
    assert shown.returncode == 0 and code in shown.stdout
    # a wrong secret is refused before any lookup (by a student id it once found another version)
    wrong = run_qbank("show-version", code, "--spec", str(salted), "--out", "out", cwd=tmp_path,
                      env=os.environ | {"QBANK_TEST_SECRET": "y" * 20})
    assert wrong.returncode == 2 and "is not the one the build in out was made with" in wrong.stderr
    elsewhere = run_qbank("show-version", code, "--spec", str(salted), cwd=tmp_path, env=env)
    assert elsewhere.returncode == 2 and "no build of 'Exam' in output to check the secret against" in elsewhere.stderr


def test_show_version_by_student_id_with_a_wrong_secret_is_refused(tmp_path):
    (tmp_path / "students.csv").write_text("id,name\ns1,Ada\ns2,Alan\n")
    salted = write_spec(tmp_path, "Exam", extra='secret = "env:QBANK_TEST_SECRET"\nroster = "students.csv"')
    right = os.environ | {"QBANK_TEST_SECRET": "r" * 20}
    assert build_cli(tmp_path, salted, env=right).returncode == 0
    shown = run_qbank("show-version", "s2", "--spec", str(salted), "--out", "out", cwd=tmp_path, env=right)
    assert shown.returncode == 0 and "student s2 Alan" in shown.stdout
    wrong = run_qbank("show-version", "s2", "--spec", str(salted), "--out", "out", cwd=tmp_path,
                      env=os.environ | {"QBANK_TEST_SECRET": "w" * 20})
    assert wrong.returncode == 2 and wrong.stdout == "" and "is not the one" in wrong.stderr


def test_progress_is_a_bar_on_a_terminal_one_line_otherwise_and_nothing_when_quiet(tmp_path):
    spec_path = write_spec(tmp_path, "Exam", versions=60)  # 3 batches: 6 TeX runs
    slow = tmp_path / "slow-tex"  # a slow machine's TeX: 0.5 s per run, so the build outlasts the bar's delay
    slow.mkdir()
    (slow / "pdflatex").write_text(f'#!/bin/sh\nsleep 0.5\nexec {shutil.which("pdflatex")} "$@"\n')
    (slow / "pdflatex").chmod(0o755)
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal has a size
    with subprocess.Popen([sys.executable, "-m", "qbank", "build", "exam", str(spec_path), "--out", "out",
                           "--jobs", "1"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=secondary,
                          env=os.environ | {"PATH": f"{slow}:{os.environ['PATH']}"}) as run:
        os.close(secondary)
        shown = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closed with the build
                break
            if not chunk:
                break
            shown += chunk
        out = run.stdout.read().decode()
    os.close(primary)
    assert run.returncode == 0
    assert b"qbank: typesetting" in shown and b"doc/s" in shown  # rate and ETA, on the terminal only
    assert out.startswith("built 60 versions") and "versions per second" in out
    plain = build_cli(tmp_path, spec_path)
    assert plain.returncode == 0 and plain.stderr == "" and "versions per second" in plain.stdout.splitlines()[0]
    quiet = build_cli(tmp_path, spec_path, "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""


# Versions outlive rebuilds: a rebuild keeps the manifest of the build it replaces

def _moodle_build(folder: Path, seed: int, spec_path: Path | None = None):
    spec_path = spec_path or write_spec(folder, "Exam", versions=2)
    result = build_cli(folder, spec_path, "--format", "moodle", "--seed", str(seed), "--quiet")
    assert result.returncode == 0, result.stderr
    return folder / "out" / "exam"


def test_a_rebuild_keeps_the_previous_manifest_under_a_name_made_of_its_spec_and_content(tmp_path):
    first = _moodle_build(tmp_path, 1)
    old = (first / "manifest.json").read_bytes()
    target = _moodle_build(tmp_path, 2)
    new = (target / "manifest.json").read_bytes()
    kept = sorted(p.name for p in (target / outdir.ARCHIVE).iterdir())
    assert kept == [outdir.archived_name(old)] and new != old
    assert (target / outdir.ARCHIVE / kept[0]).read_bytes() == old  # the replaced build's manifest, unchanged
    spec_sha = json.loads(old)["spec"]["sha256"]
    assert kept[0].startswith(f"manifest-{spec_sha[:12]}-") and outdir.archived_name(old) == outdir.archived_name(old)
    assert hidden(tmp_path / "out") == []


def test_a_rebuild_identical_to_the_last_adds_nothing_and_an_archive_is_carried_whole(tmp_path):
    target = _moodle_build(tmp_path, 1)
    _moodle_build(tmp_path, 1)
    assert not (target / outdir.ARCHIVE).exists()  # the same build again: byte for byte what it was
    _moodle_build(tmp_path, 2)
    (target / outdir.ARCHIVE / "notes-of-the-user.txt").write_text("kept\n")
    _moodle_build(tmp_path, 3)
    _moodle_build(tmp_path, 3)
    kept = sorted(p.name for p in (target / outdir.ARCHIVE).iterdir())
    assert len(kept) == 3 and "notes-of-the-user.txt" in kept  # seeds 1 and 2, and the user's file
    seeds = sorted(json.loads(p.read_text())["seed"] for p in (target / outdir.ARCHIVE).glob("*.json"))
    assert seeds == [1, 2] and json.loads((target / "manifest.json").read_text())["seed"] == 3
    assert [p.parent.name for p in outdir.manifests(target)][0] == "exam"  # the current build's first


def _in_process_exam(folder: Path, seed: int):
    from dataclasses import replace
    exam = spec.with_overrides(spec.load(write_spec(folder, "Exam", versions=2)), None, seed)
    return replace(exam, formats=("moodle",))


def test_a_full_disk_while_keeping_the_manifest_leaves_the_previous_build_whole(tmp_path, monkeypatch):
    exam = _in_process_exam(tmp_path, 1)
    target = build.build(exam, plan.plan(exam), tmp_path / "out")
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(outdir.shutil, "copy2", full)
    other = _in_process_exam(tmp_path, 2)
    with pytest.raises(outdir.QbankError, match="cannot keep the previous build's manifest in .*No space left.*"
                                                "the previous build is untouched"):
        build.build(other, plan.plan(other), tmp_path / "out")
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert hidden(tmp_path / "out") == []


def test_ctrl_c_while_the_manifest_is_kept_still_publishes_the_whole_build(tmp_path, monkeypatch):
    exam = _in_process_exam(tmp_path, 1)
    target = build.build(exam, plan.plan(exam), tmp_path / "out")
    copy2 = shutil.copy2

    def interrupted(*args, **kwargs):
        # to the main thread (a test runner's threads would take a signal sent to the process)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)  # held off: the build finishes
        return copy2(*args, **kwargs)
    monkeypatch.setattr(outdir.shutil, "copy2", interrupted)
    other = _in_process_exam(tmp_path, 2)
    assert build.build(other, plan.plan(other), tmp_path / "out") == target
    assert json.loads((target / "manifest.json").read_text())["seed"] == 2
    assert [json.loads(p.read_text())["seed"] for p in (target / outdir.ARCHIVE).glob("*.json")] == [1]
    assert hidden(tmp_path / "out") == []
