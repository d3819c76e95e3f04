"""The pages users open most, under gunicorn, against a plaintext no-audit baseline.

Run: ``.venv/bin/python bench/pages.py`` (full scale: 10,000 cases, 2,000 sessions, 1,000,000
audit events) or ``--quick`` (500 cases, 100 sessions, 50,000 events; under 5 minutes with
seeding). SQLite files in a work directory by default; ``--database-url
postgresql+psycopg://…/ft_bench`` for PostgreSQL (that database and ``…_baseline`` beside it
are created, and dropped at the end unless ``--keep``). ``--reuse DIR`` measures the
databases a ``--keep`` run left in DIR without seeding again.

Two databases are filled by ``bench/seed.py`` with the same generated data (in parallel):
one as the app writes it (encrypted fields, chained audit), and its plaintext copy under
``BENCHMARK_PLAINTEXT_BASELINE`` (testing only: fields stored as plaintext, no audit event
written). Three servers run gunicorn (``wsgi:app``, sync workers) on 127.0.0.1: the app on
the encrypted data, the same data with ``BENCHMARK_AUDIT_OFF`` (testing only: no audit
event), and the plaintext copy. A client process (``--clients``; the issue's "second
process") with a keep-alive connection requests each page for a bounded time, alternating
between the servers (``--rounds``) so that load from elsewhere on the machine falls on all
alike. Printed per page: requests/s, p50/p95/p99, the throughput ratio to the baseline, the
audit's extra time per page (mean latency with audit − without, on the same encrypted data)
next to one durable commit (INSERT + COMMIT on the same database, p50, measured in the same
run), the encryption's extra time (without audit − baseline), and the workers' CPU time per
request (steadier than latencies on a shared machine); then the peak RSS (VmHWM) of the
workers. Last, the audit's share is measured once more in pairs (``bench/audit_share.py``:
the same request with and without audit back to back in this process, ``--pairs`` times;
the median difference does not drift with the machine's load as the servers' means do), with
the events per request and the database time of the chain writer's statements, and one event
written alone with its commit (the least a page that records anything costs more). Targets
(issue 12): ratio ≥ 0.75, audit's extra time ≤ one commit (judged on the paired figure), p95
< 50 ms on PostgreSQL at full scale, worker peak RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402

from bench.audit_share import CHAINED_COMMIT, measure_audit_share  # noqa: E402
from bench.common import (  # noqa: E402
    create_database,
    csrf_token,
    drop_database,
    seeded_instance_settings,
    totp_now,
)
from fallteam.config import _ENVIRONMENT_SETTINGS  # noqa: E402

QUICK = {"cases": 500, "sessions": 100, "events": 50_000}
FULL = {"cases": 10_000, "sessions": 2_000, "events": 1_000_000}


# --- HTTP with a session cookie, over one keep-alive connection ---------------------------


class Browser:
    """One keep-alive connection to the server and the session cookie."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies = dict(cookies or {})
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        page = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, page

    def sign_in(self, username: str, password: str, totp: str) -> None:
        """Password, then the second factor (as a person does)."""
        _, page = self.request("GET", "/anmelden")
        form = {"username": username, "password": password, "csrf_token": csrf_token(page)}
        self.request("POST", "/anmelden", form)
        _, page = self.request("GET", "/anmelden/zweiter-faktor")
        form = {"code": totp_now(totp), "csrf_token": csrf_token(page)}
        status, _ = self.request("POST", "/anmelden/zweiter-faktor", form)
        if status != 302:
            raise RuntimeError(f"Anmeldung als {username} gescheitert ({status})")


def _client(port: int, cookies: dict, path: str, seconds: float, out) -> None:
    """One client process: request ``path`` until ``seconds`` have passed."""
    browser = Browser(port, cookies)
    times, errors = [], 0
    deadline = time.perf_counter() + seconds
    while True:
        started = time.perf_counter()
        if started >= deadline:
            break
        status, _ = browser.request("GET", path)
        times.append(time.perf_counter() - started)
        errors += status != 200
    out.put((times, errors))


@dataclass
class Figures:
    requests: int
    errors: int
    per_second: float
    mean: float
    p50: float
    p95: float
    p99: float
    cpu: float  # worker CPU time per request, ms


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def drive(server: Server, cookies: dict, path: str, seconds: float, clients: int) -> dict:
    """``clients`` processes request ``path`` for ``seconds``: latencies, errors, time, and
    the CPU time the server's workers spent meanwhile."""
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    workers = [
        context.Process(target=_client, args=(server.port, cookies, path, seconds, out))
        for _ in range(clients)
    ]
    cpu = server.cpu_seconds()
    started = time.perf_counter()
    for w in workers:
        w.start()
    results = [out.get() for _ in workers]
    elapsed = time.perf_counter() - started
    for w in workers:
        w.join()
    return {
        "times": [t for ts, _ in results for t in ts],
        "errors": sum(e for _, e in results),
        "elapsed": elapsed,
        "cpu": server.cpu_seconds() - cpu,
    }


def summary(runs: list[dict]) -> Figures:
    """One page's figures over its rounds."""
    times = [t for run in runs for t in run["times"]]
    return Figures(
        requests=len(times),
        errors=sum(run["errors"] for run in runs),
        per_second=len(times) / sum(run["elapsed"] for run in runs),
        mean=statistics.fmean(times) * 1000,
        p50=percentile(times, 0.50) * 1000,
        p95=percentile(times, 0.95) * 1000,
        p99=percentile(times, 0.99) * 1000,
        cpu=sum(run["cpu"] for run in runs) / len(times) * 1000,
    )


def warm_up(server: Server, cookies: dict, path: str) -> None:
    browser = Browser(server.port, cookies)
    for _ in range(3):
        status, _ = browser.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{path}: Status {status}")
    browser.conn.close()


# --- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_instance(instance: Path, manifest: dict, secret_key: str, **switches) -> None:
    """The instance file gunicorn's ``wsgi:app`` reads: testing mode (the only one that
    accepts the benchmark switches), the seeded database and key ring."""
    instance.mkdir(parents=True, exist_ok=True)
    lines = seeded_instance_settings(manifest, secret_key, **switches)
    (instance / "fallteam.toml").write_text(
        "".join(f"{k} = {json.dumps(v)}\n" for k, v in lines.items())
    )


class Server:
    """gunicorn serving ``wsgi:app`` for one instance folder."""

    def __init__(self, instance: Path, workers: int) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in _ENVIRONMENT_SETTINGS}
        env.update(FALLTEAM_INSTANCE_PATH=str(instance), PYTHONPATH=str(ROOT))
        self.log = (instance / "gunicorn.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(ROOT),
                "wsgi:app",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn beendet, siehe {instance / 'gunicorn.log'}")
            try:
                Browser(self.port).request("GET", "/anmelden")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn antwortet nicht")

    def cpu_seconds(self) -> float:
        """User and system time the workers used so far."""
        total = 0
        for pid in self.worker_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(c) for c in children]

    def peak_rss_mb(self) -> float:
        """The largest VmHWM (peak resident set) of the workers, in MB."""
        peaks = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return max(peaks)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# --- one durable commit, and the audit events the run wrote --------------------------------


def commit_time_ms(url: str, repeat: int = 200) -> float:
    """p50 of one INSERT + COMMIT on the database (SQLite as the app runs it: WAL,
    synchronous=FULL)."""
    engine = create_engine(url)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_commit_probe (n INTEGER)"))
    times = []
    with engine.connect() as conn:
        for n in range(repeat):
            started = time.perf_counter()
            conn.execute(text("INSERT INTO bench_commit_probe (n) VALUES (:n)"), {"n": n})
            conn.commit()
            times.append(time.perf_counter() - started)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_commit_probe"))
    engine.dispose()
    return statistics.median(times) * 1000


def audit_head(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        seq = conn.execute(text("SELECT last_seq FROM audit_chain_head WHERE id = 1")).scalar()
    engine.dispose()
    return int(seq or 0)


# --- seeding both copies -----------------------------------------------------------------


def seed_both(workdir: Path, scale: dict, url: str | None) -> dict[str, dict]:
    """Fill the audited database and its plaintext copy in parallel (two processes)."""
    runs = {}
    for kind in ("encrypted", "baseline"):
        folder = workdir / kind
        folder.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            str(ROOT / "bench" / "seed.py"),
            "--cases",
            str(scale["cases"]),
            "--sessions",
            str(scale["sessions"]),
            "--audit-events",
            str(scale["events"]),
            "--workdir",
            str(folder),
        ]
        if url:
            target = url if kind == "encrypted" else f"{url}_baseline"
            create_database(target)
            command += ["--database-url", target]
        if kind == "baseline":
            command.append("--baseline")
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["PYTHONPATH"] = str(ROOT)
        runs[kind] = subprocess.Popen(  # noqa: S603 (our own script)
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
    for kind, process in runs.items():
        out, _ = process.communicate()
        if process.returncode:
            raise RuntimeError(f"Befüllen ({kind}) gescheitert:\n{out}")
        print(f"  [{kind}]")
        for line in out.splitlines():
            if line.startswith("  "):
                print("  " + line)
    return {kind: json.loads((workdir / kind / "manifest.json").read_text()) for kind in runs}


# --- the measurement ---------------------------------------------------------------------


def pages_of(manifest: dict) -> list[tuple[str, str, str]]:
    """(label, who, path) of the measured pages."""
    o = manifest["objects"]
    return [
        ("Fallliste einer Fachkraft", "fachkraft", "/faelle"),
        ("Sitzung mit Tagesordnung", "fachkraft", f"/sitzungen/{o['meeting_id']}"),
        ("Fallprotokoll", "fachkraft", f"/protokolle/{o['protocol_id']}"),
        ("Wiedervorlagen-Übersicht", "fachkraft", "/wiedervorlagen"),
        ("DSB-Fallbericht", "dpo", f"/datenschutz/faelle/{o['report_pseudonym']}"),
        ("DSB-Fallbericht, 5 % des Logs", "dpo", f"/datenschutz/faelle/{o['hot_pseudonym']}"),
    ]


def sign_in_all(server: Server, manifest: dict) -> dict[str, dict]:
    """The session cookies of the measured accounts."""
    cookies = {}
    for who in ("fachkraft", "dpo"):
        account = manifest["accounts"][who]
        browser = Browser(server.port)
        browser.sign_in(account["username"], manifest["password"], account["totp"])
        cookies[who] = browser.cookies
        browser.conn.close()
    return cookies


#: the three servers: the app as shipped, the same encrypted data with audit writing off
#: (its difference to the first is the audit's share of a page), and the plaintext copy
#: without audit (the baseline of the throughput ratio)
KINDS = ("encrypted", "no_audit", "baseline")


def measure(manifests: dict[str, dict], workdir: Path, args) -> dict[str, dict]:
    """Serve the databases at once (an idle server costs nothing: sync workers wait) and
    drive each page on them in alternation, ``rounds`` times, so that load from elsewhere on
    the machine falls on all alike; figures per kind and page label."""
    manifests = {**manifests, "no_audit": manifests["encrypted"]}
    secret = secrets.token_urlsafe(48)  # shared by the two servers of the encrypted data
    commits, servers, written = {}, {}, dict.fromkeys(KINDS, 0)
    try:
        for kind in KINDS:
            # the server without audit reads the encrypted copy, from an instance of its own
            folder = "encrypted/instance-no-audit" if kind == "no_audit" else f"{kind}/instance"
            instance = workdir / folder
            write_instance(
                instance,
                manifests[kind],
                secret if kind != "baseline" else secrets.token_urlsafe(48),
                BENCHMARK_AUDIT_OFF=kind == "no_audit",
            )
            commits[kind] = commit_time_ms(manifests[kind]["database_url"])
            servers[kind] = Server(instance, args.workers)
        # one sign-in per account and database (a second one with the same code would be
        # refused as a replay): the server without audit takes the encrypted one's cookies
        cookies = {kind: sign_in_all(servers[kind], manifests[kind]) for kind in KINDS[::2]}
        cookies["no_audit"] = cookies["encrypted"]
        runs: dict[str, dict[str, list]] = {kind: {} for kind in KINDS}
        pages = {kind: pages_of(manifests[kind]) for kind in KINDS}
        for n, (label, who, _) in enumerate(pages["encrypted"]):
            for kind in KINDS:
                warm_up(servers[kind], cookies[kind][who], pages[kind][n][2])
            for _ in range(args.rounds):
                for kind in KINDS:
                    path = pages[kind][n][2]
                    head = audit_head(manifests[kind]["database_url"])
                    run = drive(
                        servers[kind],
                        cookies[kind][who],
                        path,
                        args.seconds / args.rounds,
                        args.clients,
                    )
                    written[kind] += audit_head(manifests[kind]["database_url"]) - head
                    runs[kind].setdefault(label, []).append(run)
        rss = {kind: servers[kind].peak_rss_mb() for kind in KINDS}
    finally:
        for server in servers.values():
            server.stop()
    # the audit's share in pairs, in this process, with the encrypted server's sign-ins
    shares = measure_audit_share(
        manifests["encrypted"],
        secret,
        cookies["encrypted"],
        pages["encrypted"],
        str(workdir / "encrypted" / "instance-paired"),
        args.pairs,
    )
    return {
        kind: {
            "pages": {label: summary(r) for label, r in runs[kind].items()},
            "commit_ms": commits[kind],
            "rss_mb": rss[kind],
            "events_written": written[kind],
            "audit_shares": shares if kind == "encrypted" else {},
        }
        for kind in KINDS
    }


def print_table(results: dict[str, dict], backend: str, full_scale: bool) -> None:
    encrypted, no_audit, baseline = (results[kind] for kind in KINDS)
    commit = encrypted["commit_ms"]
    print(
        f"\n  {'Seite':<32}{'Anfr./s':>9}{'p50':>8}{'p95':>8}{'p99':>8}"
        f"{'Basis/s':>9}{'B-p95':>8}{'Verh.':>7}{'Audit+':>9}{'Krypto+':>9}"
        f"{'CPU':>8}{'B-CPU':>8}{'Audit+P':>9}  Ziele"
    )
    shares = dict(encrypted["audit_shares"])
    alone = shares.pop(CHAINED_COMMIT)
    for label, enc in encrypted["pages"].items():
        base, quiet = baseline["pages"][label], no_audit["pages"][label]
        ratio = enc.per_second / base.per_second
        audit_extra = enc.mean - quiet.mean
        paired = shares[label].extra_ms
        verdicts = [
            "≥0,75 " + ("ja" if ratio >= 0.75 else "NEIN"),
            "Audit+P≤Commit " + ("ja" if paired <= commit else "NEIN"),
        ]
        if backend == "PostgreSQL" and full_scale:
            verdicts.append("p95<50 " + ("ja" if enc.p95 < 50 else "NEIN"))
        errors = sum(results[kind]["pages"][label].errors for kind in KINDS)
        print(
            f"  {label:<32}{enc.per_second:>9.1f}{enc.p50:>6.1f}ms{enc.p95:>6.1f}ms"
            f"{enc.p99:>6.1f}ms{base.per_second:>9.1f}{base.p95:>6.1f}ms{ratio:>7.2f}"
            f"{audit_extra:>7.2f}ms{quiet.mean - base.mean:>7.2f}ms"
            f"{enc.cpu:>6.1f}ms{base.cpu:>6.1f}ms{paired:>7.2f}ms  {', '.join(verdicts)}"
            + (f"  ({errors} Fehler!)" if errors else "")
        )
    print(
        "  Verh.: Anfragen/s verschlüsselt ÷ Basis (Klartext, ohne Audit); Audit+: mittlere "
        "Latenz mit − ohne Audit (dieselben verschlüsselten Daten); Krypto+: ohne Audit − "
        "Basis; CPU: Worker-CPU je Anfrage; Audit+P: Median der Differenz mit − ohne Audit, "
        "dieselbe Anfrage paarweise nacheinander in einem Prozess (ohne Server und Netz)"
    )
    print(f"\n  {'Anteil des Audits (paarweise)':<32}{'Ereign.':>9}{'Kette':>9}{'Rest':>9}")
    for label, share in shares.items():
        print(
            f"  {label:<32}{share.events:>9.1f}{share.chain_ms:>7.2f}ms"
            f"{share.extra_ms - share.chain_ms:>7.2f}ms"
        )
    print(
        "  Ereign.: Audit-Ereignisse je Anfrage; Kette: Datenbankzeit der Anweisungen des "
        "Kettenschreibers (Kopf lesen und fortschreiben, Ereignisse einfügen); Rest: Audit+P − "
        "Kette (Python, Schreiben auf die Platte beim Commit)"
    )
    print(
        f"  ein Ereignis der Kette allein mit seinem Commit (p50): {alone.total_ms:.2f} ms, "
        f"davon Kette {alone.chain_ms:.2f} ms – die Untergrenze von Audit+P einer Seite, die "
        "etwas protokolliert (Kopf lesen, Ereignis einfügen, Kopf fortschreiben, Commit)"
    )
    print(
        f"  ein dauerhafter Commit (INSERT+COMMIT, p50): {commit:.2f} ms "
        f"(Basis-Datenbank {baseline['commit_ms']:.2f} ms)"
    )
    rss = encrypted["rss_mb"]
    print(
        f"  Spitzen-RSS eines Workers (VmHWM): {rss:.0f} MB verschlüsselt, "
        f"{baseline['rss_mb']:.0f} MB Basis – Ziel < 300 MB {'ja' if rss < 300 else 'NEIN'}"
    )
    print(
        f"  Audit-Ereignisse während der Messung: {encrypted['events_written']:,} verschlüsselt, "
        f"{no_audit['events_written']:,} ohne Audit, {baseline['events_written']:,} Basis"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 Fälle, 100 Sitzungen, 50k")
    parser.add_argument("--database-url", help="PostgreSQL: this database and …_baseline")
    parser.add_argument("--workdir", type=Path, help="default: a temporary directory")
    parser.add_argument("--reuse", type=Path, help="measure the databases seeded in DIR")
    parser.add_argument("--keep", action="store_true", help="keep work dir and databases")
    parser.add_argument("--seconds", type=float, help="per page and database (10; quick 3)")
    parser.add_argument("--clients", type=int, default=1, help="client processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=2, help="alternations per page")
    parser.add_argument("--pairs", type=int, help="paired requests per page (150; quick 60)")
    args = parser.parse_args()
    scale = QUICK if args.quick else FULL
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    args.pairs = args.pairs or (60 if args.quick else 150)
    started = time.perf_counter()
    workdir = args.reuse or args.workdir or Path(tempfile.mkdtemp(prefix="fallteam-pages-"))
    backend = "PostgreSQL" if (args.database_url or "").startswith("postgresql") else "SQLite"
    try:
        if args.reuse:
            manifests = {
                kind: json.loads((workdir / kind / "manifest.json").read_text())
                for kind in ("encrypted", "baseline")
            }
            scale = manifests["encrypted"]["scale"]
            backend = (
                "PostgreSQL"
                if manifests["encrypted"]["database_url"].startswith("postgresql")
                else "SQLite"
            )
        else:
            print(
                f"Befüllen ({backend}): {scale['cases']:,} Fälle, {scale['sessions']:,} "
                f"Sitzungen, {scale['events']:,} Audit-Ereignisse – beide Kopien parallel"
            )
            manifests = seed_both(workdir, scale, args.database_url)
            print(f"  Befüllen: {time.perf_counter() - started:.0f} s")
        print(
            f"\nSeiten unter gunicorn ({args.workers} sync-Worker, {args.clients} Clients, "
            f"{args.seconds:g} s je Seite), {backend}, {scale['cases']:,} Fälle, "
            f"{scale['sessions']:,} Sitzungen, {scale['events']:,} Ereignisse"
        )
        results = measure(manifests, workdir, args)
        print_table(results, backend, scale == FULL)
    finally:
        if not args.keep and not args.reuse:
            if args.database_url:
                for target in (args.database_url, f"{args.database_url}_baseline"):
                    drop_database(target)
            shutil.rmtree(workdir, ignore_errors=True)
        elif args.keep:
            print(f"  Arbeitsverzeichnis behalten: {workdir} (--reuse {workdir})")
    print(f"\nGesamtdauer {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
