"""Soak test: launches and page views from concurrent browsers against the production topology.

Two gunicorn servers behind nginx (TLS; straight to the servers when nginx is not installed),
two ``flask worker`` processes, one PostgreSQL and one Redis (``tests/support/topology.py``).
Each virtual browser (a process) launches from the demo LMS as one of its seeded people, then
opens up to two of the tool's pages linked from the landing page, over and over, for
``--seconds``. Every request is timed and counted; an answer of 400 or more (or no answer) is
an error. Memory (RSS) of each server (master and workers) and worker is read after the
warm-up and at the end.

Prints progress, then a final JSON line:
{"seconds": 600, "requests": 51234, "errors": 0, "p99_ms": {"launch": 38.0, "home": 9.1, …},
 "rss_growth_pct": {"web-1": 3.2, "web-2": 2.9, "worker-1": 1.0, …}, "p50_ms": {…}, …}

Usage: python bench/soak.py [--seconds 600] [--browsers 8] [--warmup 60]
Needs PostgreSQL (TEST_POSTGRES_URL) and Redis (TEST_REDIS_URL) on loopback.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from serving import ROOT  # noqa: F401  (puts the project on sys.path)

from lti_tool.demo_lms.seed import PEOPLE
from tests.support.lti_browser import LtiBrowser, parse_page
from tests.support.topology import Site, production_site, rss_kib

LAUNCH_ID = re.compile(r"^/s/[^/]+/")


def page_name(method: str, url: str, tool_host: str) -> str:
    """The page a request is for, without ids: login, launch, home, lms, or a tool page."""
    parts = urlsplit(url)
    if parts.netloc != tool_host:
        return "lms"
    if parts.path.startswith("/lti/login"):
        return "login"
    if parts.path.startswith("/lti/launch"):
        return "launch"
    path = LAUNCH_ID.sub("", parts.path)
    if not path:
        return "home"
    return re.sub(r"/\d+", "", path).strip("/").replace("/", "-") or "home"


def browse(job: tuple[dict, float, int]) -> dict:
    """One browser until the deadline: {"timings": {page: [ms…]}, "requests", "errors"}."""
    site, seconds, number = job
    tool_host = urlsplit(site["tool_url"]).netloc
    timings: dict[str, list[float]] = defaultdict(list)
    counts = {"requests": 0, "errors": 0}
    people = [p.username for p in PEOPLE]

    def record(response: requests.Response, *args: object, **kwargs: object) -> None:
        counts["requests"] += 1
        name = page_name(response.request.method or "GET", response.url, tool_host)
        timings[name].append(response.elapsed.total_seconds() * 1000)
        if response.status_code >= 400:
            counts["errors"] += 1
            if counts["errors"] <= 3:
                print(f"  browser {number}: {response.status_code} on {name}", file=sys.stderr)

    deadline = time.monotonic() + seconds
    turn = number
    while time.monotonic() < deadline:
        turn += 1
        session = requests.Session()
        session.trust_env = False
        session.verify = site["ca_file"] or True
        session.hooks["response"].append(record)
        browser = LtiBrowser(site["lms_url"], session=session, timeout=30)
        try:
            page = browser.launch("spec", people[turn % len(people)], client_id=site["client_id"])
            if page.status_code == 200:
                links = [urljoin(page.url, link) for link in parse_page(page.text).links]
                ours = [u for u in links if "/s/" in u and urlsplit(u).netloc == tool_host]
                for url in ours[:2]:
                    session.get(url, timeout=30)
        except Exception as exc:  # no answer at all: counted, never hidden
            counts["requests"] += 1
            counts["errors"] += 1
            if counts["errors"] <= 3:
                print(f"  browser {number}: {type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            session.close()
    return {"timings": dict(timings), **counts}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 1)


def rss_of(site: Site) -> dict[str, int]:
    return {name: rss_kib(pid) for name, pid in site.processes.items()}


def soak(site: Site, seconds: float, browsers: int, warmup: float) -> dict:
    shared = {
        "tool_url": site.tool_url,
        "lms_url": site.lms_url,
        "client_id": site.client_id,
        "ca_file": str(site.ca_file) if site.ca_file else None,
    }
    with mp.get_context("spawn").Pool(browsers) as pool:
        print(f"warm-up: {warmup:.0f} s", file=sys.stderr)
        warm = pool.map(browse, [(shared, warmup, i) for i in range(browsers)])
        rss_start = rss_of(site)
        print(f"soak: {seconds:.0f} s with {browsers} browsers", file=sys.stderr)
        started = time.monotonic()
        results = pool.map(browse, [(shared, seconds, i) for i in range(browsers)])
        elapsed = time.monotonic() - started
    rss_end = rss_of(site)
    timings: dict[str, list[float]] = defaultdict(list)
    for result in results:
        for name, values in result["timings"].items():
            timings[name] += values
    return {
        "seconds": round(elapsed),
        "requests": sum(r["requests"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "p99_ms": {name: percentile(v, 0.99) for name, v in sorted(timings.items())},
        "rss_growth_pct": {
            name: round((rss_end[name] - rss_start[name]) * 100 / max(rss_start[name], 1), 1)
            for name in rss_start
        },
        "p50_ms": {name: percentile(v, 0.5) for name, v in sorted(timings.items())},
        "rss_mib": {
            name: [round(rss_start[name] / 1024, 1), round(rss_end[name] / 1024, 1)]
            for name in rss_start
        },
        "warm_up": {
            "seconds": round(warmup),
            "requests": sum(r["requests"] for r in warm),
            "errors": sum(r["errors"] for r in warm),
        },
        "browsers": browsers,
        "nginx": site.nginx is not None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--browsers", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    args = parser.parse_args()
    use_nginx = shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists()
    with (
        tempfile.TemporaryDirectory(prefix="reciprocal-soak-") as tmp,
        production_site(Path(tmp), use_nginx=use_nginx, threads=args.threads) as site,
    ):
        figures = soak(site, args.seconds, args.browsers, args.warmup)
        figures["server_errors_logged"] = site.logs().count("Traceback")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
