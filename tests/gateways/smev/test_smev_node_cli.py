"""The local node's command line: serve, enqueue, responses."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from gateways.smev.client import SmevClient
from gateways.smev.local_node.cli import app

from .support import application, first_grade_response, free_port

runner = CliRunner()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_enqueue_prints_one_json_object_per_file(node_url: str, tmp_path: Path) -> None:
    first = write(tmp_path, "a.xml", application(4200000301))
    second = write(tmp_path, "b.xml", b"not xml at all")

    result = runner.invoke(
        app, ["enqueue", str(first), str(second), "--json", "--url", node_url]
    )

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(line["file"], line["order_id"]) for line in lines] == [
        (str(first), 4200000301),
        (str(second), None),
    ]
    assert all(len(line["message_id"]) == 36 for line in lines)


def test_enqueue_takes_a_message_id_for_one_file_only(
    node_url: str, tmp_path: Path
) -> None:
    one = write(tmp_path, "a.xml", application(1))
    message_id = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"

    single = runner.invoke(
        app,
        ["enqueue", str(one), "--message-id", message_id, "--json", "--url", node_url],
    )
    double = runner.invoke(
        app,
        ["enqueue", str(one), str(one), "--message-id", message_id, "--url", node_url],
    )

    assert json.loads(single.output)["message_id"] == message_id
    assert double.exit_code == 2


def test_responses_prints_our_answers_in_order_as_json_lines(
    node_url: str, smev: SmevClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    from tsos.settings import get_settings

    monkeypatch.setenv(
        "TSOS_SMEV_NODE_URL", node_url
    )  # the default when --url is absent
    # Settings are read once per process: read them again with this variable, and again
    # without it after the test.
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    runner.invoke(
        app, ["enqueue", str(write(tmp_path, "a.xml", application(4200000302)))]
    )
    incoming = smev.get_request()
    smev.send_response(incoming.reply_to, payload=first_grade_response(4200000302))
    smev.send_response(
        incoming.reply_to, payload=first_grade_response(4200000302, 3, "Зачислен")
    )

    result = runner.invoke(app, ["responses", "--order-id", "4200000302", "--json"])

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(x["kind"], x["code"], x["comment"]) for x in lines] == [
        ("techCode", 1, "Принято"),
        ("techCode", 3, "Зачислен"),
    ]
    assert {x["request_message_id"] for x in lines} == {incoming.message_id}
    assert set(lines[0]) >= {
        "order_id",
        "kind",
        "code",
        "comment",
        "cancel_allowed",
        "sent_at",
        "request_message_id",
    }


def test_an_unreachable_node_is_reported_in_words(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["responses", "--url", f"http://127.0.0.1:{free_port()}"]
    )

    assert result.exit_code == 1
    assert "недоступен" in result.output


def test_serve_runs_the_node_on_the_given_port_and_database(tmp_path: Path) -> None:
    port = free_port()
    database = tmp_path / "served.sqlite3"
    command = [
        sys.executable,
        "-c",
        "from gateways.smev.local_node.cli import app; app()",
        "serve",
        "--port",
        str(port),
        "--db",
        str(database),
        "--redelivery-timeout",
        "5",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
        assert database.exists()
    finally:
        process.terminate()
        process.wait(timeout=10)
