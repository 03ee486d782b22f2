"""Discovery (OpenID configuration, JWKS), the Dynamic Registration endpoint and admin views."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, jsonify, render_template, request
from sqlalchemy.exc import IntegrityError

from lti_tool.demo_lms import urls
from lti_tool.demo_lms.directory import (
    count_request,
    find_registration,
    get_setting,
    jwks_counter_key,
    list_registrations,
)
from lti_tool.demo_lms.dynamic_registration import (
    SUPPORTED_SCOPES,
    RegistrationRejected,
    check_registration_token,
    messages_supported,
    mint_registration_token,
    registration_response,
    registration_summary,
    save_registration,
)
from lti_tool.demo_lms.flavours import get_flavour
from lti_tool.demo_lms.keys import JWKS_MAX_AGE_SECONDS, published_jwks
from lti_tool.demo_lms.registration import with_registration_params
from lti_tool.demo_lms.web import add_flavour_rules, json_error, lms_base_url, lms_page_error
from lti_tool.extensions import db

bp = Blueprint("demo_registration", __name__)


def openid_configuration(flavour_name: str) -> Response:
    """The platform's OpenID configuration with the LTI platform configuration."""
    flavour = get_flavour(flavour_name)
    u = urls.platform_urls(lms_base_url(), flavour)
    document: dict[str, Any] = {
        "issuer": u.issuer,
        "authorization_endpoint": u.authorization_endpoint,
        "token_endpoint": u.token_endpoint,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "jwks_uri": u.jwks_uri,
        "registration_endpoint": u.registration_endpoint,
        "scopes_supported": ["openid", *SUPPORTED_SCOPES],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
            "product_family_code": flavour.product_family_code,
            "version": flavour.version,
            "messages_supported": messages_supported(),
            "variables": ["Context.id", "ResourceLink.id", "Person.email.primary"],
        },
    }
    return jsonify(document)


def jwks(flavour_name: str) -> Response:
    """The flavour's public keys (current and retired) with a cache lifetime; each request is
    counted (``GET /<flavour>/admin/api/jwks-requests``)."""
    flavour = get_flavour(flavour_name)
    count_request(jwks_counter_key(flavour.name))
    response = jsonify(published_jwks(flavour.name))
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE_SECONDS}"
    return response


def registration_endpoint(flavour_name: str) -> Response:
    """Dynamic Registration: the tool POSTs its configuration with the registration token.

    :raise: nothing; refusals are answered as the flavour does (Moodle: bare strings).
    """
    flavour = get_flavour(flavour_name)
    auth = request.headers.get("Authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    try:
        row = check_registration_token(flavour, token)
        doc = request.get_json(force=True, silent=True)
        registration = save_registration(flavour, row, doc)
        db.session.flush()  # a token spent meanwhile shows here, not at the commit
    except RegistrationRejected as exc:
        if flavour.registration_error_style == "text":
            if exc.status == 404:
                return lms_page_error(flavour, 404, exc.message)
            return Response(exc.message, status=exc.status, mimetype="text/plain")
        return json_error(exc.status, exc.error, exc.message)
    except IntegrityError:
        return Response("token_already_used", status=401, mimetype="text/plain")
    return jsonify(registration_response(registration))


add_flavour_rules(bp, "openid_configuration_path", openid_configuration, ["GET"])
add_flavour_rules(bp, "jwks_path", jwks, ["GET"])
add_flavour_rules(bp, "registration_path", registration_endpoint, ["POST"])


@bp.post("/<flavour_name>/admin/api/registration-tokens")
def api_mint_token(flavour_name: str) -> Response:
    """Mint a registration token, as an admin's "Register a tool" click would (JSON).

    Accepts ``withhold_scopes`` (form or JSON list) to cut scopes the tool will ask for, and
    ``update_client_id`` to update that registered tool instead (Moodle's ``reg-update``).
    """
    flavour = get_flavour(flavour_name)
    payload = request.get_json(silent=True) or {}
    withheld = payload.get("withhold_scopes") or request.form.getlist("withhold_scopes")
    update_client_id = payload.get("update_client_id") or request.form.get("update_client_id")
    updates = None
    if update_client_id:
        updates = find_registration(flavour, str(update_client_id))
        if updates is None:
            return json_error(
                404, "not_found", f"No tool registered with client_id {update_client_id}."
            )
    try:
        token = mint_registration_token(flavour, lms_base_url(), withheld, updates)
    except RegistrationRejected as exc:
        return json_error(exc.status, exc.error, exc.message)
    u = urls.platform_urls(lms_base_url(), flavour)
    return jsonify(
        registration_token=token,
        openid_configuration=u.openid_configuration,
        issuer=u.issuer,
    ), 201


@bp.get("/<flavour_name>/admin/api/jwks-requests")
def api_jwks_requests(flavour_name: str) -> Response:
    """How many times the flavour's JWKS was fetched, by anyone, since the LMS was seeded:
    ``{"jwks_requests": 3}`` (a tool with a site-wide key cache fetches it once per max-age)."""
    flavour = get_flavour(flavour_name)
    count = int(get_setting(jwks_counter_key(flavour.name), "0") or 0)
    return jsonify(flavour=flavour.name, jwks_requests=count)


@bp.get("/<flavour_name>/admin/api/registrations")
def api_registrations(flavour_name: str) -> Response:
    flavour = get_flavour(flavour_name)
    return jsonify(registrations=[registration_summary(r) for r in list_registrations(flavour)])


@bp.get("/<flavour_name>/admin/api/registrations/<client_id>")
def api_registration(flavour_name: str, client_id: str) -> Response:
    registration = find_registration(get_flavour(flavour_name), client_id)
    if registration is None:
        return json_error(404, "not_found", f"No tool registered with client_id {client_id}.")
    return jsonify(registration_summary(registration))


@bp.get("/<flavour_name>/admin/registrations")
def registrations_page(flavour_name: str) -> str:
    """Admin page: registered tools, the platform's values, and "Register Reciprocal"."""
    flavour = get_flavour(flavour_name)
    tool_url = get_setting("tool_url") or request.host_url.replace("localhost", "127.0.0.1")
    return render_template(
        "demo_lms/registrations.html",
        flavour=flavour,
        platform=urls.platform_urls(lms_base_url(), flavour),
        registrations=[registration_summary(r) for r in list_registrations(flavour)],
        default_registration_url=tool_url.rstrip("/") + "/lti/register",
    )


@bp.post("/<flavour_name>/admin/register")
def register_page(flavour_name: str) -> str | Response:
    """Open the tool's registration URL in an iframe and wait for ``org.imsglobal.lti.close``."""
    flavour = get_flavour(flavour_name)
    tool_registration_url = (request.form.get("registration_url") or "").strip()
    if urlsplit(tool_registration_url).scheme not in ("http", "https"):
        return lms_page_error(flavour, 400, "Enter the tool's registration URL (http or https).")
    updates = None
    if request.form.get("update_client_id"):
        updates = find_registration(flavour, request.form["update_client_id"])
        if updates is None:
            return lms_page_error(flavour, 404, "That tool is no longer registered here.")
    try:
        token = mint_registration_token(
            flavour, lms_base_url(), request.form.getlist("withhold"), updates
        )
    except RegistrationRejected as exc:
        return lms_page_error(flavour, exc.status, exc.message)
    u = urls.platform_urls(lms_base_url(), flavour)
    return render_template(
        "demo_lms/register.html",
        flavour=flavour,
        frame_url=with_registration_params(tool_registration_url, u.openid_configuration, token),
    )
