"""The production topology, for real: nginx terminating TLS (self-signed) in front of two
gunicorn servers, two ``flask worker`` processes, one PostgreSQL and one Redis
(``tests/support/topology.py``). Needs nginx, PostgreSQL and Redis: skipped without them,
failed under ``CI=true``.

The tool's public address is https; launches come from the demo LMS (reached directly, as an
LMS elsewhere would be) through nginx, which says which server answered (``X-Served-By``).
"""

from __future__ import annotations

import re
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
import sqlalchemy as sa

from tests.support.gunicorn import ROOT
from tests.support.launching import DESIGNER, LEARNER
from tests.support.lti_browser import LtiBrowser, parse_page
from tests.support.nginx import self_signed_certificate
from tests.support.services import nginx_binary
from tests.support.topology import Site, production_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with production_site(tmp_path_factory.mktemp("topology")) as running:
        yield running


class Recorder:
    """Every answer the tool (the public host) gave one browser."""

    def __init__(self, site: Site) -> None:
        self.public = urlsplit(site.tool_url).netloc
        self.answers: list[requests.Response] = []
        self.session = site.session()
        self.session.hooks["response"].append(self._record)

    def _record(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        if urlsplit(response.url).netloc == self.public:
            self.answers.append(response)


def launch(
    site: Site, user: str, recorder: Recorder | None = None, **options: object
) -> tuple[requests.Response, Recorder]:
    recorder = recorder or Recorder(site)
    browser = LtiBrowser(site.lms_url, session=recorder.session, timeout=30)
    page = browser.launch("spec", user, client_id=site.client_id, **options)
    assert page.status_code == 200, (page.status_code, page.text[:500], site.logs()[-3000:])
    return page, recorder


def served_by(response: requests.Response) -> str:
    return response.headers.get("X-Served-By", "")


# -- runs first: the platform's keys have never been fetched ---------------------------------


def test_a_platforms_jwks_is_fetched_once_for_the_whole_site(site: Site) -> None:
    def jwks_requests() -> int:
        answer = requests.get(f"{site.lms_url}/spec/admin/api/jwks-requests", timeout=10)
        return answer.json()["jwks_requests"]

    assert jwks_requests() == 0
    # Eight browsers at once: their launches land on both servers' four worker processes.
    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = list(pool.map(lambda i: launch(site, LEARNER), range(8)))
    servers = {served_by(r) for _, rec in pages for r in rec.answers if "/lti/launch" in r.url}
    assert len(servers) == 2, servers
    assert jwks_requests() == 1


# -- HTTPS everywhere ---------------------------------------------------------------------------


URL_IN_TEXT = re.compile(r"""https?://[^\s"'<>\\)]+""")


def tool_urls(site: Site, answers: list[requests.Response]) -> list[str]:
    """Every URL the tool's answers point to: Location headers, form actions, links, sources
    and absolute URLs anywhere in their bodies, made absolute."""
    found: list[str] = []
    for answer in answers:
        if "Location" in answer.headers:
            found.append(urljoin(answer.url, answer.headers["Location"]))
        if "html" in answer.headers.get("Content-Type", ""):
            page = parse_page(answer.text)
            found += [urljoin(answer.url, f.action or answer.url) for f in page.forms]
            found += [urljoin(answer.url, link) for link in page.links if ":" not in link[:7]]
        found += URL_IN_TEXT.findall(answer.text)
    return found


def test_every_url_the_tool_emits_is_https_on_the_public_host(site: Site) -> None:
    public = urlsplit(site.tool_url)
    recorder = Recorder(site)
    launch(site, LEARNER, recorder)
    launch(site, DESIGNER, recorder)
    page, _ = launch(site, DESIGNER, recorder, deep_linking=True)
    # The deep-linking picker's form, submitted: the tool answers with its return form.
    picker = [f for f in parse_page(page.text).forms if f.method == "post"]
    assert picker, page.text[:500]
    recorder.session.post(urljoin(page.url, picker[0].action), data=picker[0].fields, timeout=30)
    documents = [
        recorder.session.get(f"{site.tool_url}/lti/canvas.json", timeout=10),
        recorder.session.get(f"{site.tool_url}/.well-known/jwks.json", timeout=10),
    ]
    assert all(d.status_code == 200 for d in documents)

    urls = tool_urls(site, recorder.answers)
    ours = [u for u in urls if urlsplit(u).hostname in ("127.0.0.1", public.hostname)]
    assert len(ours) > 20, ours
    wrong = [u for u in ours if urlsplit(u).scheme != "https" or urlsplit(u).port != public.port]
    assert not wrong, wrong
    # The state cookie and any other cookie the tool sets travel over https only.
    cookies = [a.headers["Set-Cookie"] for a in recorder.answers if "Set-Cookie" in a.headers]
    assert cookies and all("Secure" in c for c in cookies), cookies

    # What the tool registered with the LMS (Dynamic Registration) and its JWKS URL.
    registered = requests.get(
        f"{site.lms_url}/spec/admin/api/registrations/{site.client_id}", timeout=10
    ).json()
    urls = [u for u in URL_IN_TEXT.findall(str(registered)) if "imsglobal.org" not in u]
    assert len(urls) >= 3 and all(u.startswith(f"{site.tool_url}/") for u in urls), urls
    assert {f"{site.tool_url}/lti/login", f"{site.tool_url}/.well-known/jwks.json"} <= set(urls)


# -- two servers, one site -------------------------------------------------------------------


def test_a_login_started_on_one_server_completes_on_the_other(site: Site) -> None:
    crossed = 0
    for _ in range(4):
        recorder = Recorder(site)
        launch(site, LEARNER, recorder)
        login = next(a for a in recorder.answers if "/lti/login" in a.url)
        posted = next(a for a in recorder.answers if "/lti/launch" in a.url)
        crossed += served_by(login) != served_by(posted)
    assert crossed >= 1


def test_a_roster_sync_asked_on_one_server_is_run_by_a_worker(site: Site) -> None:
    # A designer's launch asks for a sync (unless an earlier one in this module just did).
    _, recorder = launch(site, DESIGNER)
    assert served_by(next(a for a in recorder.answers if "/lti/launch" in a.url))
    engine = sa.create_engine(site.database_url)
    try:
        deadline = time.monotonic() + 30
        while True:
            with engine.connect() as conn:
                row = conn.execute(
                    sa.text("SELECT id, status FROM roster_syncs ORDER BY id DESC")
                ).first()
            if (row and row.status in ("done", "failed")) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        engine.dispose()
    assert row is not None and row.status == "done", (row, site.logs()[-3000:])
    ran = f"Running job lti_tool.roster.tasks.run_roster_sync({row.id},)"
    runners = [w.name for w in site.workers if ran in w.logged()]
    assert len(runners) == 1, runners  # a worker ran it, once; no web server did
    assert not any(ran in web.logged() for web in site.webs)


def test_scheduled_jobs_run_once_not_once_per_worker(site: Site) -> None:
    claim = re.compile(r"Scheduled job (\S+) for (\S+ \S+): (queued by this|already queued)")
    deadline = time.monotonic() + 70
    while True:
        seen: dict[tuple[str, str], list[str]] = defaultdict(list)
        for worker in site.workers:
            for name, minute, outcome in claim.findall(worker.logged()):
                seen[(name, minute)].append(f"{worker.name}:{outcome}")
        both = [key for key, outcomes in seen.items() if len(outcomes) == len(site.workers)]
        if both or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert both, dict(seen)  # both workers looked at the same job and minute…
    for key, outcomes in seen.items():  # …and each job and minute was queued by one of them
        assert sum("queued by this" in o for o in outcomes) == 1, (key, outcomes)
    ran = Counter()
    for worker in site.workers:
        ran.update(re.findall(r"Running job (\S+?)\(\) in", worker.logged()))
    queued = Counter(name.rsplit(".", 1)[-1] for name, _ in seen)
    for job, count in ran.items():
        assert count <= queued[job.rsplit(".", 1)[-1]], (job, count, queued)


def test_nginx_logged_no_errors(site: Site) -> None:
    assert site.nginx is not None
    errors = [line for line in site.nginx.error_log().splitlines() if "[error]" in line]
    assert not errors, errors
    assert Path(site.nginx.prefix / "access.log").exists()


def test_the_shipped_nginx_site_is_valid(tmp_path: Path) -> None:
    """config/nginx/reciprocal.conf passes `nginx -t` (with a test certificate in place)."""
    binary = nginx_binary()
    cert, key = self_signed_certificate(tmp_path)
    site = (ROOT / "config" / "nginx" / "reciprocal.conf").read_text()
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    checked = subprocess.run(
        [binary, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    units = ROOT / "config" / "systemd"
    assert "gunicorn -c config/gunicorn.conf.py" in (units / "reciprocal-web.service").read_text()
    assert "flask worker" in (units / "reciprocal-worker.service").read_text()
