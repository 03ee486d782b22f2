"""The three flavours of the demo LMS as data: plain 1EdTech spec, Moodle 4.x and Canvas.

Every behaviour that differs between LMSs is a field of ``Flavour``; the views read these
fields instead of testing the flavour's name. ``LMS-NOTES.md`` says where each quirk comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.exceptions import NotFound

LTI = "http://purl.imsglobal.org/vocab/lis/v2"
ROLE_INSTRUCTOR = f"{LTI}/membership#Instructor"
ROLE_LEARNER = f"{LTI}/membership#Learner"
ROLE_CONTENT_DEVELOPER = f"{LTI}/membership#ContentDeveloper"

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCOPE_BASIC_OUTCOME = "https://purl.imsglobal.org/spec/lti-bo/scope/basicoutcome"
SCOPE_TOOL_SETTING = "https://purl.imsglobal.org/spec/lti-ts/scope/toolsetting"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
SERVICE_SCOPES = (*AGS_SCOPES, SCOPE_NRPS)

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"

# Auth-request problems a flavour reacts to (see ``Flavour.auth_errors``).
AUTH_BAD_REQUEST = "bad_request"
AUTH_BAD_SCOPE = "bad_scope"
AUTH_BAD_RESPONSE_TYPE = "bad_response_type"
AUTH_WRONG_CLIENT = "wrong_client"
AUTH_BAD_HINT = "bad_hint"
AUTH_WRONG_USER = "wrong_user"


@dataclass(frozen=True)
class Flavour:
    """How one LMS behaves. Paths are relative to ``<lms base>/<name>``."""

    name: str
    title: str
    product_family_code: str
    version: str
    auth_path: str
    token_path: str
    jwks_path: str
    openid_configuration_path: str
    registration_path: str
    id_token_ttl: int
    # "json": Moodle's {"cmid":…,"launchid":…}; "opaque": the hint id itself.
    message_hint_style: str = "opaque"
    # "numeric": sub/login_hint = the user's id (Moodle); "uuid": an opaque id.
    subject_style: str = "uuid"
    # "numeric": deployment_id is the registration's id; "uuid": an opaque string.
    deployment_id_style: str = "uuid"
    login_extras: bool = False
    storage_target: str | None = None
    basic_outcome_claim: bool = False
    custom_memberships_url: bool = False
    # Deep linking
    deep_link_accept_types: tuple[str, ...] = ("ltiResourceLink",)
    deep_link_sends_data: bool = True
    deep_link_presentation_targets: tuple[str, ...] = ("iframe", "window")
    # accept_multiple in the request; when False a response with several links is refused.
    deep_link_accept_multiple: bool = True
    # Registration
    registration_error_style: str = "json"  # "text": Moodle's bare strings
    registration_added_scopes: tuple[str, ...] = ()
    # Moodle offers re-registering a tool as an update: a ``reg-update`` token whose ``sub``
    # is the tool type id; the tool keeps its client_id and deployment.
    registration_updates: bool = False
    # "claims": PII claims only when the registration lists them; "privacy_level": Canvas's
    # https://canvas.instructure.com/lti/privacy_level (anonymous unless asked).
    privacy_source: str = "claims"
    # Token endpoint
    token_content_type: str = "application/json"
    token_requires_exact_form: bool = False
    token_checks_aud: bool = True
    token_strict_scopes: bool = False
    # Authorization endpoint: problem -> OAuth error posted to the tool, or None for the
    # LMS's own error page (which never reaches the tool).
    auth_errors: dict[str, str | None] = field(default_factory=dict)
    auth_page_status: int = 400
    # Roles the LMS does not have, replaced by the one it sends instead (launch and NRPS).
    role_aliases: dict[str, str] = field(default_factory=dict)
    # NRPS
    nrps_short_roles: bool = False
    nrps_max_page: int | None = None
    nrps_default_page: int | None = None
    # AGS
    ags_requires_accept: bool = False
    ags_malformed_links: bool = False
    ags_query_type_id: bool = False
    ags_hides_api_resource_link: bool = False
    score_reply: str = "204"  # "204", "200-empty" (Moodle), "200-json" (Canvas)
    services_require_user_agent: bool = False
    # A score for someone not (or no longer) gradable: an enrolment Inactive or Deleted, or
    # none. "json-400": a JSON error; "moodle-400": Moodle's bare "Incorrect score received".
    score_ungradable_reply: str = "json-400"
    # Canvas throttles API calls with a leaky bucket: X-Rate-Limit-Remaining on every AGS
    # reply, and when the bucket is full 429 + Retry-After ("429") or Canvas's older
    # 403 "Rate Limit Exceeded" ("403"). The bucket size is DEMO_LMS_AGS_RATE_LIMIT.
    ags_throttle: str | None = None

    def roles(self, roles: list[str]) -> list[str]:
        """The role URIs this LMS would send for ``roles``."""
        return list(dict.fromkeys(self.role_aliases.get(r, r) for r in roles))

    def issuer(self, lms_base_url: str) -> str:
        return f"{lms_base_url.rstrip('/')}/{self.name}"

    def url(self, lms_base_url: str, path: str) -> str:
        return f"{self.issuer(lms_base_url)}{path}"


SPEC = Flavour(
    name="spec",
    title="1EdTech spec",
    product_family_code="reciprocal-demo",
    version="1.0",
    auth_path="/auth",
    token_path="/token",
    jwks_path="/jwks",
    openid_configuration_path="/.well-known/openid-configuration",
    registration_path="/register",
    id_token_ttl=300,
    deep_link_accept_types=("ltiResourceLink", "link", "html"),
    token_strict_scopes=True,
    auth_errors={
        AUTH_BAD_REQUEST: "invalid_request",
        AUTH_BAD_SCOPE: "invalid_scope",
        AUTH_BAD_RESPONSE_TYPE: "unsupported_response_type",
        AUTH_WRONG_CLIENT: "unauthorized_client",
        AUTH_BAD_HINT: "invalid_request",
        AUTH_WRONG_USER: "login_required",
    },
)

MOODLE = Flavour(
    name="moodle",
    title="Moodle 4.5",
    product_family_code="moodle",
    version="4.5dev+ (Build: 20240903)",
    auth_path="/mod/lti/auth.php",
    token_path="/mod/lti/token.php",
    jwks_path="/mod/lti/certs.php",
    openid_configuration_path="/mod/lti/openid-configuration.php",
    registration_path="/mod/lti/openid-registration.php",
    id_token_ttl=60,
    message_hint_style="json",
    subject_style="numeric",
    deployment_id_style="numeric",
    basic_outcome_claim=True,
    custom_memberships_url=True,
    deep_link_sends_data=False,
    deep_link_presentation_targets=("iframe", "window", "frame"),
    registration_error_style="text",
    registration_added_scopes=(SCOPE_LINEITEM_READONLY,),
    registration_updates=True,
    token_content_type="text/html; charset=utf-8",
    token_requires_exact_form=True,
    token_checks_aud=False,
    auth_errors={
        AUTH_BAD_REQUEST: "invalid_request",
        AUTH_BAD_SCOPE: "invalid_scope",
        AUTH_BAD_RESPONSE_TYPE: "unsupported_response_type",
        AUTH_WRONG_CLIENT: "unauthorized_client",
        AUTH_BAD_HINT: None,
        AUTH_WRONG_USER: "access_denied",
    },
    auth_page_status=404,
    role_aliases={ROLE_CONTENT_DEVELOPER: ROLE_INSTRUCTOR},
    nrps_short_roles=True,
    ags_requires_accept=True,
    ags_malformed_links=True,
    ags_query_type_id=True,
    ags_hides_api_resource_link=True,
    score_reply="200-empty",
    score_ungradable_reply="moodle-400",
)

CANVAS = Flavour(
    name="canvas",
    title="Canvas",
    product_family_code="canvas",
    version="cloud",
    auth_path="/api/lti/authorize_redirect",
    token_path="/login/oauth2/token",
    jwks_path="/api/lti/security/jwks",
    openid_configuration_path="/api/lti/security/openid-configuration",
    registration_path="/api/lti/registrations",
    id_token_ttl=3600,
    login_extras=True,
    storage_target="post_message_forwarding",
    privacy_source="privacy_level",
    auth_errors={
        AUTH_BAD_REQUEST: "invalid_request",
        AUTH_BAD_SCOPE: "invalid_scope",
        AUTH_BAD_RESPONSE_TYPE: "unsupported_response_type",
        AUTH_WRONG_CLIENT: "login_required",
        AUTH_BAD_HINT: "launch_no_longer_valid",
        AUTH_WRONG_USER: "login_required",
    },
    nrps_max_page=50,
    nrps_default_page=10,
    score_reply="200-json",
    services_require_user_agent=True,
    ags_throttle="429",
)

FLAVOURS: dict[str, Flavour] = {f.name: f for f in (SPEC, MOODLE, CANVAS)}


def get_flavour(name: str) -> Flavour:
    """The flavour called ``name``.

    :raise NotFound: when there is no such flavour (so a bad URL prefix is a 404).
    """
    try:
        return FLAVOURS[name]
    except KeyError:
        raise NotFound(f"There is no demo LMS flavour called {name!r}.") from None
