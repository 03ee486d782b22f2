"""The outbound rules of the one HTTP client, against real sockets on loopback."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator

import pytest
import requests
from flask import Flask

from lti_tool.core.http import (
    OutboundRefused,
    ResponseTooLarge,
    address_allowed,
    http_session,
    is_public_address,
    outbound_budget,
    parse_networks,
)
from lti_tool.errors import PlatformServiceError
from tests.support.hostile import Answer, DrippingHost, HangingHost, HostileServer


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def hello() -> Iterator[HostileServer]:
    server = HostileServer(lambda seen, _: Answer(body='{"hello": "world"}'))
    yield server
    server.stop()


def strict(monkeypatch: pytest.MonkeyPatch, app: Flask, networks: str = "") -> None:
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOWED_NETWORKS", networks)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.169.254",
        "169.254.170.2",
        "100.100.100.200",
        "0.0.0.0",  # noqa: S104
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::",
        "192.0.0.192",
        "64:ff9b::a9fe:a9fe",
        "2002:a00:1::1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))
    assert not address_allowed(address, ())


@pytest.mark.parametrize("address", ["8.8.8.8", "151.101.1.69", "2606:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_allowed(address, ())


def test_allow_list_opens_only_its_networks() -> None:
    networks = parse_networks("10.20.0.0/16, 127.0.0.1")
    assert address_allowed("10.20.3.4", networks) and address_allowed("127.0.0.1", networks)
    assert not address_allowed("10.21.0.1", networks)
    assert not address_allowed("127.0.0.2", networks)
    assert not address_allowed("169.254.169.254", networks)
    with pytest.raises(ValueError):
        parse_networks("10.0.0.0/8 not-a-network")


def test_loopback_is_refused_unless_allowed(
    ctx: Flask, hello: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert http_session().get(f"{hello.origin}/", timeout=5).json() == {"hello": "world"}
    strict(monkeypatch, ctx)
    # The same pooled keep-alive connection is checked again before reuse.
    with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1.*OUTBOUND_ALLOWED_NETWORKS"):
        http_session().get(f"{hello.origin}/", timeout=5)
    # A host name is judged by the address it resolves to.
    with pytest.raises(OutboundRefused, match="localhost"):
        http_session().get(f"http://localhost:{hello.port}/", timeout=5)
    assert len(hello.seen) == 1


def test_cloud_metadata_address_is_refused_before_connecting(ctx: Flask) -> None:
    started = time.monotonic()
    with pytest.raises(OutboundRefused, match=r"169\.254\.169\.254"):
        http_session().get("http://169.254.169.254/latest/meta-data/", timeout=5)
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/file",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
        "http://user:pass@127.0.0.1/",
        "http://localhost:5088@127.0.0.1:44263/config",
    ],
)
def test_only_plain_http_urls_are_called(ctx: Flask, url: str) -> None:
    with pytest.raises(OutboundRefused):
        http_session().get(url, timeout=5)


def test_a_redirect_to_a_refused_address_is_not_followed(
    ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = HostileServer(lambda seen, _: Answer(body="secret"), host="127.0.0.2")
    outside = HostileServer(
        lambda seen, _: Answer(302, headers={"Location": f"{inside.origin}/admin"})
    )
    try:
        strict(monkeypatch, ctx, "127.0.0.1/32")
        with pytest.raises(OutboundRefused, match=r"127\.0\.0\.2"):
            http_session().get(f"{outside.origin}/config", timeout=5)
        assert inside.seen == [] and len(outside.seen) == 1
    finally:
        inside.stop()
        outside.stop()


@pytest.mark.parametrize("chunked", [False, True])
def test_answers_over_the_size_limit_are_refused(
    ctx: Flask, monkeypatch: pytest.MonkeyPatch, chunked: bool
) -> None:
    big = HostileServer(lambda seen, _: Answer(body=b"x" * 300_000, chunked=chunked))
    try:
        monkeypatch.setitem(ctx.config, "OUTBOUND_MAX_RESPONSE_BYTES", 100_000)
        with pytest.raises(ResponseTooLarge, match="more than 100,000 bytes") as refused:
            http_session().get(f"{big.origin}/", timeout=5)
        assert isinstance(refused.value, PlatformServiceError)
        monkeypatch.setitem(ctx.config, "OUTBOUND_MAX_RESPONSE_BYTES", 400_000)
        assert len(http_session().get(f"{big.origin}/", timeout=5).content) == 300_000
    finally:
        big.stop()


def test_a_hanging_host_times_out_within_the_budget(ctx: Flask) -> None:
    hanging = HangingHost()
    try:
        started = time.monotonic()
        with outbound_budget(connect=1, read=0.5, total=5), pytest.raises(requests.Timeout):
            http_session().get(f"{hanging.origin}/", timeout=30)
        assert time.monotonic() - started < 2
    finally:
        hanging.stop()


def test_a_dripping_host_is_cut_off_at_the_deadline(ctx: Flask) -> None:
    dripping = DrippingHost(interval=0.2)
    try:
        started = time.monotonic()
        with outbound_budget(connect=1, read=1, total=1.5), pytest.raises(requests.Timeout):
            http_session().get(f"{dripping.origin}/", timeout=30)
        assert time.monotonic() - started < 2.5
    finally:
        dripping.stop()
