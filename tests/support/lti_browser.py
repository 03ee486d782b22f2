"""A "virtual browser" that launches the tool from the demo LMS over real HTTP.

It does what a browser does, without JavaScript: GET the LMS launch frame, submit its
auto-posting login initiation form to the tool, follow the tool to the LMS authorization
endpoint, submit the ``id_token`` form to the tool's ``redirect_uri``, and return the tool's
answer. Cookies are kept per browser (one ``requests.Session``).

Hooks for tests: ``start_launch`` stops after the tool's login (its ``AuthRequest`` has the
``state``, ``nonce`` and every other auth parameter), ``authorize`` gets the LMS's form post,
and ``post_id_token`` posts any (forged) id_token with a chosen state.

``block_third_party_cookies=True`` behaves like a browser where the tool, framed by the
LMS, is third-party: cookies the tool sets are neither stored nor sent back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import requests

DEFAULT_TIMEOUT = 10.0


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _PageParser(HTMLParser):
    """Forms (action, method, named inputs), iframe srcs, links and meta refreshes."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.iframes: list[str] = []
        self.links: list[str] = []
        self.refresh: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif (
            tag == "input"
            and self.forms
            and a.get("name")
            and a.get("type", "text") not in ("submit", "button", "image")
        ):
            self.forms[-1].fields.setdefault(a["name"], a.get("value", ""))
        elif tag == "iframe" and a.get("src"):
            self.iframes.append(a["src"])
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            _, _, url = a.get("content", "").partition("url=")
            self.refresh = url.strip("'\" ") or None


def parse_page(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    return parser


@dataclass
class AuthRequest:
    """The tool's OIDC authorization request, as it was sent to the LMS."""

    url: str
    params: dict[str, str]

    @property
    def state(self) -> str:
        return self.params["state"]

    @property
    def nonce(self) -> str:
        return self.params["nonce"]

    @property
    def redirect_uri(self) -> str:
        return self.params["redirect_uri"]


class LaunchError(AssertionError):
    """The launch did not go as a browser would expect; the message says where it stopped."""


class LtiBrowser:
    """One virtual browser on the demo LMS at ``lms_url`` (e.g. ``http://localhost:5000``)."""

    def __init__(
        self,
        lms_url: str,
        *,
        session: requests.Session | None = None,
        block_third_party_cookies: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.lms_url = lms_url.rstrip("/")
        self.lms_host = urlsplit(self.lms_url).hostname
        self.session = session or requests.Session()
        self.block_third_party_cookies = block_third_party_cookies
        self.timeout = timeout

    # -- low level -------------------------------------------------------------------------

    def _is_lms(self, url: str) -> bool:
        return urlsplit(url).hostname == self.lms_host

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One request, following no redirects, with third-party cookie blocking applied."""
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        if self.block_third_party_cookies and not self._is_lms(url):
            return requests.request(method, url, **kwargs)  # no jar: nothing sent or kept
        return self.session.request(method, url, **kwargs)

    def submit(self, form: Form, base_url: str, **overrides: str) -> requests.Response:
        """Submit ``form`` (found on the page at ``base_url``) like a browser would."""
        action = urljoin(base_url, form.action or base_url)
        data = {**form.fields, **overrides}
        if form.method == "post":
            return self.request("POST", action, data=data)
        return self.request("GET", f"{action}?{urlencode(data)}")

    def follow(self, response: requests.Response, limit: int = 10) -> requests.Response:
        """Follow redirects (303/302 become GET) up to ``limit`` hops."""
        for _ in range(limit):
            if not response.is_redirect:
                return response
            response = self.request("GET", urljoin(response.url, response.headers["Location"]))
        raise LaunchError(f"too many redirects, last at {response.url}")

    # -- the launch ------------------------------------------------------------------------

    def frame_url(
        self,
        flavour: str,
        user: str,
        *,
        course: str | int | None = None,
        link: str | int | None = None,
        client_id: str | None = None,
        deep_linking: bool = False,
        locale: str | None = None,
    ) -> str:
        """The URL of the LMS page inside the tool's iframe for this launch."""
        params = {
            "user": user,
            "course": course,
            "link": link,
            "client_id": client_id,
            "message": "deep_linking" if deep_linking else None,
            "locale": locale,
        }
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{self.lms_url}/{flavour}/launch/frame?{query}"

    def open_login(self, flavour: str, user: str, **options: Any) -> tuple[Form, str]:
        """GET the launch frame: the login initiation form and the frame's URL."""
        url = self.frame_url(flavour, user, **options)
        page = self.request("GET", url)
        if page.status_code != 200:
            raise LaunchError(f"LMS launch frame answered {page.status_code}: {page.text[:300]}")
        forms = parse_page(page.text).forms
        if not forms:
            raise LaunchError("the LMS launch frame has no login initiation form")
        return forms[0], url

    def start_launch(
        self,
        flavour: str,
        user: str,
        *,
        login_overrides: dict[str, str] | None = None,
        **options: Any,
    ) -> AuthRequest:
        """Post the login initiation to the tool and stop at its authorization request."""
        form, frame_url = self.open_login(flavour, user, **options)
        response = self.submit(form, frame_url, **(login_overrides or {}))
        return self.auth_request_from(response)

    def auth_request_from(self, response: requests.Response) -> AuthRequest:
        """Find the LMS authorization request in the tool's login answer: a redirect, or a
        page with a form, meta refresh or link to the LMS (what JS would navigate to)."""
        url: str | None = None
        if response.is_redirect:
            url = urljoin(response.url, response.headers["Location"])
        elif response.status_code == 200:
            page = parse_page(response.text)
            for form in page.forms:
                if self._is_lms(urljoin(response.url, form.action)):
                    query = urlencode(form.fields)
                    url = f"{urljoin(response.url, form.action)}?{query}"
                    break
            else:
                candidates = [page.refresh or "", *page.links]
                url = next(
                    (
                        urljoin(response.url, c)
                        for c in candidates
                        if c and self._is_lms(urljoin(response.url, c))
                    ),
                    None,
                )
        if url is None or not self._is_lms(url):
            raise LaunchError(
                f"the tool's login did not lead to the LMS ({response.status_code}): "
                f"{response.text[:300]}"
            )
        return AuthRequest(url=url, params=dict(parse_qsl(urlsplit(url).query)))

    def authorize(self, auth: AuthRequest) -> tuple[Form, requests.Response]:
        """Send the authorization request to the LMS: its form post (id_token or error)."""
        response = self.request("GET", auth.url)
        forms = parse_page(response.text).forms if response.status_code == 200 else []
        if not forms:
            raise LaunchError(
                f"the LMS did not answer with a form post ({response.status_code}): "
                f"{response.text[:300]}"
            )
        return forms[0], response

    def post_id_token(
        self, redirect_uri: str, id_token: str, state: str, **extra: str
    ) -> requests.Response:
        """Post an id_token (genuine or forged) to the tool, as the LMS's form would."""
        return self.request(
            "POST", redirect_uri, data={"id_token": id_token, "state": state, **extra}
        )

    def launch(
        self, flavour: str, user: str, *, follow: bool = True, **options: Any
    ) -> requests.Response:
        """A whole launch; the tool's final answer (redirects followed unless ``follow``).

        Options: ``course``, ``link``, ``client_id``, ``deep_linking``, ``locale``.
        """
        auth = self.start_launch(flavour, user, **options)
        form, page = self.authorize(auth)
        response = self.submit(form, page.url)
        if not follow:
            return response
        return self.continue_without_js(self.follow(response))

    def continue_without_js(self, response: requests.Response, limit: int = 3) -> requests.Response:
        """Submit the tool's interstitial pages (e.g. a platform-storage check whose JS would
        post a ``state`` form) the way a browser without JavaScript does: by their button."""
        for _ in range(limit):
            if response.status_code != 200 or "<form" not in response.text:
                return response
            host = urlsplit(response.url).hostname
            forms = [
                f
                for f in parse_page(response.text).forms
                if f.method == "post"
                and "state" in f.fields
                and urlsplit(urljoin(response.url, f.action)).hostname == host
            ]
            if len(forms) != 1:
                return response
            response = self.follow(self.submit(forms[0], response.url))
        return response
