from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from backend import migrate
from backend.config import load_settings
from backend.db import Database
from backend.web import create_app


@pytest.fixture
def client(migrated_database: Database, tmp_path) -> Iterator[FlaskClient]:
    settings = load_settings({"PIKET_DATA_DIR": str(tmp_path), "PIKET_SECRET_KEY": "test"})
    yield create_app(settings, migrated_database).test_client()


def test_health_says_ok_when_the_database_answers(client: FlaskClient) -> None:
    for path in ("/healthz", "/api/v1/health"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.json == {"status": "ok", "database": "reachable"}


def test_health_is_503_while_the_schema_is_behind(fresh_database: Database, tmp_path) -> None:
    settings = load_settings({"PIKET_DATA_DIR": str(tmp_path), "PIKET_SECRET_KEY": "test"})
    migrate.upgrade(fresh_database.engine)
    migrate.downgrade(fresh_database.engine, "base")
    response = create_app(settings, fresh_database).test_client().get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "schema_outdated"


def test_an_unknown_api_route_answers_json_not_html(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_the_home_page_sends_a_stranger_to_a_dutch_login(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="nl"' in page and "Inloggen" in page


def test_liveness_touches_nothing(client: FlaskClient) -> None:
    assert client.get("/livez").json == {"status": "alive"}
