"""The Canvas developer-key JSON (``/lti/canvas.json``): paste its URL into Canvas."""

from __future__ import annotations

from flask import current_app

from lti_tool.core.lti_spec import TOOL_SCOPES
from lti_tool.core.urls import jwks_url, launch_url, login_url, tool_base_url


def canvas_developer_key() -> dict:
    title = current_app.config["TOOL_TITLE"]
    deep_link = {"message_type": "LtiDeepLinkingRequest", "target_link_uri": launch_url()}
    return {
        "title": title,
        "description": "Reverse-mentoring programs: pairs, learning paths and grades.",
        "oidc_initiation_url": login_url(),
        "target_link_uri": launch_url(),
        "scopes": list(TOOL_SCOPES),
        "public_jwk_url": jwks_url(),
        "custom_fields": {"canvas_course_id": "$Canvas.course.id"},
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "domain": tool_base_url().split("://", 1)[1],
                "privacy_level": "public",
                "settings": {
                    "placements": [
                        {
                            "placement": "course_navigation",
                            "message_type": "LtiResourceLinkRequest",
                            "target_link_uri": launch_url(),
                            "text": title,
                            "default": "enabled",
                        },
                        {"placement": "link_selection", **deep_link, "text": title},
                        {"placement": "assignment_selection", **deep_link, "text": title},
                    ]
                },
            }
        ],
    }
