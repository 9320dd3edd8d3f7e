"""Feed serving speed: rehabplan (2 uvicorn workers, SQLite) against nginx serving the same file.

Prints requests per second and p99 latency for full fetches (200) and revalidations (304 via
If-None-Match) for both servers on loopback, and how rehabplan compares with the goals:
at least 25 % of nginx's throughput and p99 under 50 ms.

Load comes from ``wrk`` when it is installed (apt-get install wrk), otherwise from a bounded
threaded Python client (fewer requests; its own overhead then dominates, so the ratio to
nginx is less telling). nginx comes from the Debian package; when it is missing the script
installs it if it runs as root with apt-get available, else it says how and skips the ratio.

    python benchmarks/bench_feeds.py [--seconds 5] [--connections 32]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_RATIO = 0.25
GOAL_P99_MS = 50.0
PROFILE = ROOT / "examples" / "maria-pes-anserine.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def seed(db_url: str) -> str:
    """One patient with a real plan; returns the feed token."""
    from rehabplan.profile_io import read_profile
    from rehabplan.server.plans import Core, create_patient
    from rehabplan.store import open_store

    store = open_store(db_url)
    _, outcome = create_patient(
        store, read_profile(PROFILE), Core.default(), owner_id=None, include_details=False
    )
    store.close()
    assert outcome.feed_token
    return outcome.feed_token


def ensure_nginx() -> str | None:
    path = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("nginx missing: installing it with apt-get (Debian package nginx) ...")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "nginx"],
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
        return shutil.which("nginx") or (
            "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
        )
    print("nginx is not installed: apt-get install nginx (as root) to get the nginx ratio.")
    return None


NGINX_CONF = """
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path {prefix}/tmp;
  proxy_temp_path {prefix}/tmp;
  fastcgi_temp_path {prefix}/tmp;
  uwsgi_temp_path {prefix}/tmp;
  scgi_temp_path {prefix}/tmp;
  types {{ text/calendar ics; }}
  charset utf-8;
  charset_types text/calendar;
  server {{
    listen 127.0.0.1:{port};
    root {prefix}/www;
    etag on;
  }}
}}
"""


def start_nginx(nginx: str, prefix: Path, token: str, body: bytes) -> tuple[subprocess.Popen, str]:
    (prefix / "www" / "feeds").mkdir(parents=True)
    (prefix / "tmp").mkdir()
    (prefix / "www" / "feeds" / f"{token}.ics").write_bytes(body)
    for p in [prefix, *prefix.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port, user=user))
    process = subprocess.Popen(
        [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/feeds/{token}.ics"
    wait_for(url)
    return process, url


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(
    url: str, headers: dict[str, str], seconds: int, connections: int
) -> tuple[float, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} failed responses\n{out}")
    return rps, p99


def run_python(
    url: str, headers: dict[str, str], seconds: int, connections: int, expect: int
) -> tuple[float, float]:
    """Bounded threaded client: at most ``seconds`` and 20,000 requests in all."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    budget = [20_000]

    def worker() -> None:
        with httpx.Client(headers=headers, timeout=10) as client:
            while time.monotonic() < stop:
                with lock:
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                start = time.perf_counter()
                r = client.get(url)
                elapsed = (time.perf_counter() - start) * 1000
                if r.status_code != expect:
                    raise RuntimeError(f"{url}: got {r.status_code}, expected {expect}")
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(min(connections, 8))]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - began
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 100 else max(latencies)
    return len(latencies) / took, p99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    use_wrk = shutil.which("wrk") is not None
    if not use_wrk:
        print("wrk not found (apt-get install wrk): using the slower Python client.")
    nginx = ensure_nginx()
    workdir = Path(tempfile.mkdtemp(prefix="rehabplan-bench-"))
    processes: list[subprocess.Popen] = []
    try:
        db_url = f"sqlite:///{workdir / 'rehabplan.db'}"
        token = seed(db_url)
        port = free_port()
        env = {**os.environ, "REHABPLAN_DATABASE_URL": db_url, "PYTHONWARNINGS": "ignore"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rehabplan",
                "serve",
                "--port",
                str(port),
                "--workers",
                "2",
                "--no-access-log",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(server)
        feed = f"http://127.0.0.1:{port}/feeds/{token}.ics"
        wait_for(feed)
        first = httpx.get(feed)
        body, etag = first.content, first.headers["etag"]
        targets = [("rehabplan", feed, etag)]
        if nginx:
            nginx_proc, nginx_url = start_nginx(nginx, workdir / "nginx", token, body)
            processes.append(nginx_proc)
            targets.append(("nginx", nginx_url, httpx.get(nginx_url).headers["etag"]))
        load = "wrk" if use_wrk else "Python threads"
        print(
            f"feed: {len(body):,} bytes; {args.connections} connections, {args.seconds} s per"
            f" run, load from {load}; {os.cpu_count()} CPUs\n"
        )
        results: dict[tuple[str, int], tuple[float, float]] = {}
        for name, url, tag in targets:
            for status, headers in ((200, {}), (304, {"If-None-Match": tag})):
                if use_wrk:
                    subprocess.run(["wrk", "-t1", "-c4", "-d1s", url], capture_output=True)
                    results[(name, status)] = run_wrk(url, headers, args.seconds, args.connections)
                else:
                    results[(name, status)] = run_python(
                        url, headers, args.seconds, args.connections, status
                    )
                rps, p99 = results[(name, status)]
                print(f"{name:<10} {status}  {rps:>10,.0f} req/s   p99 {p99:7.2f} ms")
        print()
        ok = True
        for status in (200, 304):
            rps, p99 = results[("rehabplan", status)]
            line = f"{status}: p99 {p99:.2f} ms (goal < {GOAL_P99_MS:.0f} ms: "
            line += "met" if p99 < GOAL_P99_MS else "MISSED"
            ok &= p99 < GOAL_P99_MS
            if ("nginx", status) in results:
                ratio = rps / results[("nginx", status)][0]
                line += f"); {ratio:.0%} of nginx (goal >= {GOAL_RATIO:.0%}: "
                line += "met)" if ratio >= GOAL_RATIO else "MISSED)"
                ok &= ratio >= GOAL_RATIO
            else:
                line += "); nginx ratio skipped"
            print(line)
        return 0 if ok else 1
    finally:
        for p in processes:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
