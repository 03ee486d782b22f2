"""A minimal LTI 1.3 tool written the way pylti1p3's README shows, as the benchmark's baseline:
``ToolConfJsonFile``, ``FlaskCacheDataStorage`` over Flask-Caching's filesystem cache,
``FlaskOIDCLogin(...).redirect(...)`` and ``FlaskMessageLaunch(...).get_launch_data()``.

Configured by environment: ``BASELINE_TOOL_CONF`` (the JSON file) and ``BASELINE_CACHE_DIR``.
"""

from __future__ import annotations

import html
import os

from flask import Flask
from flask_caching import Cache
from pylti1p3.contrib.flask import (
    FlaskCacheDataStorage,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.tool_config import ToolConfJsonFile

app = Flask(__name__)
app.config.update(
    SECRET_KEY="baseline-bench-only",
    CACHE_TYPE="FileSystemCache",
    CACHE_DIR=os.environ["BASELINE_CACHE_DIR"],
    CACHE_DEFAULT_TIMEOUT=600,
)
cache = Cache(app)


def get_lti_config_path() -> str:
    return os.environ["BASELINE_TOOL_CONF"]


def get_launch_data_storage() -> FlaskCacheDataStorage:
    return FlaskCacheDataStorage(cache)


@app.route("/login/", methods=["GET", "POST"])
def login():
    tool_conf = ToolConfJsonFile(get_lti_config_path())
    launch_data_storage = get_launch_data_storage()
    flask_request = FlaskRequest()
    target_link_uri = flask_request.get_param("target_link_uri")
    if not target_link_uri:
        raise Exception('Missing "target_link_uri" param')
    oidc_login = FlaskOIDCLogin(flask_request, tool_conf, launch_data_storage=launch_data_storage)
    return oidc_login.redirect(target_link_uri)


@app.route("/launch/", methods=["POST"])
def launch():
    tool_conf = ToolConfJsonFile(get_lti_config_path())
    flask_request = FlaskRequest()
    launch_data_storage = get_launch_data_storage()
    message_launch = FlaskMessageLaunch(
        flask_request, tool_conf, launch_data_storage=launch_data_storage
    )
    message_launch_data = message_launch.get_launch_data()
    name = html.escape(message_launch_data.get("name", ""))
    role = "Instructor" if message_launch.check_teacher_access() else "Learner"
    return f"<!doctype html><title>Game</title><h1>Hello, {name}</h1><p>{role}</p>"
