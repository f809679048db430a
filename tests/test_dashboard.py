"""The v2 dashboard's requests without a browser: each kind's classification, the privacy check's AES (against data
encrypted here with the bundle's parameters and a stand-in key; tests/test_goldens_current.py finds the real key in
the real bundle when the mirror is there), the push body and its check and explain."""

import json
from pathlib import Path

import pytest

from audit.core import identify
from audit.plumbing import schemas
from audit.channels import dashboard
from audit.channels.dashboard import channel as builder, generations, privacy, push
from audit.core import dashboard as explain
from audit.faces.cli import main
from audit.plumbing.errors import AuditError
from audit.facts.identity import Identity, IdentityValue

GUID = "11111111-2222-3333-4444-555555555555"
PERSON = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
NODE = "99999999-8888-4777-8666-555555555555"
# A stand-in for the bundle's key: the tool ships none, it reads the agent's (privacy.find_key)
KEY = bytes(range(32))


def bundle_dir(tmp_path: Path, key: bytes = KEY) -> Path:
    """An agent's web files with a v2 chunk that writes the privacy check's key, as v1.47.0's 7471.*.chunk.js does."""
    chunk = tmp_path / "web" / "v2" / "7471.0123.chunk.js"
    chunk.parent.mkdir(parents=True)
    chunk.write_text(f'// stand-in\nconst key = CryptoJS.enc.Hex.parse("{key.hex()}");\nconst url = "{privacy.URL}";\n')
    (chunk.parent / "1.other.chunk.js").write_text(  # not the privacy chunk: it names no privacy URL
        '// stand-in\nconst other = CryptoJS.enc.Hex.parse("' + "ab" * 32 + '");\n')
    return tmp_path / "web"


@pytest.mark.parametrize("host, path, purpose", [
    ("app.netdata.cloud", "/api/v1/telemetry/push", "telemetry-push"),
    ("frankfurt.netdata.rocks", "/privacy", "privacy-check"),
    ("app.netdata.cloud", "/api/v2/accounts/me", "account-check"),
    ("app.netdata.cloud", "/bundlesManifest.6.json", "cloud-bundles"),
    ("app.netdata.cloud", "/app.08c9fe3ead1d43ff769b.js", "cloud-bundles"),
    ("o382276.ingest.sentry.io", "/api/1/envelope/", "sentry"),
    ("us.i.posthog.com", "/decide/", "posthog"),
    ("www.googletagmanager.com", "/gtm.js", "google-tag-manager"),
    ("registry.my-netdata.io", "/registry-access.html", "registry"),
    ("app.netdata.cloud", "/sso/v2/agent-sign-in", "cloud-sso"),  # the old UI's frame: not the push
    ("frankfurt.netdata.rocks.evil.example", "/privacy", "other"),
])
def test_each_request_kind_is_classified(host, path, purpose):
    assert dashboard.purpose_of(host, None, path).name == purpose


def test_the_observation_schema_knows_every_purpose():
    attempt = schemas.schema("https://telemetry-audit.dev/schemas/dashboard-observation.schema.json")
    assert attempt["$defs"]["attempt"]["properties"]["purpose"]["enum"] == [p.name for p in dashboard.PURPOSES]


def test_push_and_privacy_say_the_opt_out_does_not_stop_them():
    by_name = {p.name: p for p in dashboard.PURPOSES}
    for name in ("telemetry-push", "privacy-check"):
        assert by_name[name].opt_out_stops is False and by_name[name].stopped_by.startswith("NOT the opt-out")


def test_privacy_data_round_trips_with_the_bundles_parameters():
    data = privacy.encode(GUID, "http://db-prod-7:19999", KEY, iv=bytes(range(16)))
    assert data[:32] == bytes(range(16)).hex() and len(data) == 2 * (16 + 96 + 32)  # IV, 6 AES blocks, HMAC
    decoded = privacy.decode(data, KEY)
    assert decoded["hmac_valid"] and decoded["plaintext"] == f'{{"machine_guid":"{GUID}","url":"http://db-prod-7:19999"}}'
    assert privacy.decode(privacy.data_of(f"{privacy.URL}?data={data}"), KEY)["document"]["url"] == \
        "http://db-prod-7:19999"


def test_privacy_data_independent_of_our_encoder():
    """AES-256-CBC of a known plaintext, encrypted by the cryptography package directly (not privacy.encode)."""
    import hashlib
    import hmac

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    plain = json.dumps({"machine_guid": GUID, "url": "http://h:1"}, separators=(",", ":")).encode()
    pad = 16 - len(plain) % 16
    iv = b"\x42" * 16
    enc = Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor()
    ciphertext = enc.update(plain + bytes([pad]) * pad) + enc.finalize()
    mac = hmac.new(KEY, iv + ciphertext, hashlib.sha256).hexdigest()
    assert privacy.decode(iv.hex() + ciphertext.hex() + mac, KEY)["document"] == {"machine_guid": GUID, "url": "http://h:1"}


@pytest.mark.parametrize("data, message", [
    ("zz", "not hexadecimal"), ("00" * 40, "expected IV"), ("00" * 80, "does not decrypt"),
])
def test_bad_privacy_data_is_a_clear_error(data, message):
    with pytest.raises(AuditError, match=message):
        privacy.decode(data, KEY)


def test_the_key_is_read_from_the_agents_bundle_never_shipped(tmp_path):
    """The key comes from the chunk that names the privacy URL; no bundle, no key (and no decryption)."""
    web = bundle_dir(tmp_path)
    assert privacy.find_key((str(tmp_path / "nowhere"), str(web))) == (KEY, str(web / "v2" / "7471.0123.chunk.js"))
    assert privacy.find_key((str(tmp_path / "nowhere"),)) == (None, str(tmp_path / "nowhere"))



IMPRESSION = push.Impression(GUID, "http://db-prod-7:19999", "db-prod-7", feature="Overview", tab="overview",
                             node_id=NODE, person_guid=PERSON, timestamp="2026-12-04T00:00:00.000Z")


def test_push_body_is_the_bundles_shape_and_order():
    assert push.wire(IMPRESSION) == (
        '{"@timestamp":"2026-12-04T00:00:00.000Z","labels":{"machine":"%s","nodeId":"%s"},'
        '"event":{"action":"element-viewed","sequence":1,"provider":"agent"},'
        '"user":{"id":"%s","domain":"https://registry.my-netdata.io"},'
        '"url":{"full":"http://db-prod-7:19999/v2/spaces/db-prod-7/rooms/local/overview"},'
        '"Netdata":{"space":{"id":"%s"},"statistics":{"nodes":{"total":1}},"telemetry":{"feature":"Overview",'
        '"session":{"id":"00000000-0000-4000-8000-000000000000"},"visitor":{"id":"%s"}}}}'
        % (GUID, NODE, PERSON, GUID, PERSON)).encode()
    assert schemas.validator(explain.SCHEMA_ID).is_valid(push.body(IMPRESSION))


def test_without_a_person_guid_the_members_are_left_out_as_json_stringify_does():
    body = push.body(push.Impression(GUID, "http://h:1", "h"))
    assert body["user"] == {"domain": "https://registry.my-netdata.io"} and body["Netdata"]["telemetry"]["visitor"] == {}
    assert "nodeId" not in body["labels"]


def test_check_flags_the_host_name_in_url_and_route_and_the_guids():
    identity = Identity((IdentityValue("hostname", "db-prod-7", "test"), IdentityValue("machine-guid", GUID, "test")))
    found = {(f.field, f.kind, f.match) for f in identify.check(push.body(IMPRESSION), identity)}
    assert {("url.full", "hostname", "exact"), ("url.full", "hostname", "slug"), ("labels.machine", "machine-guid",
            "exact"), ("Netdata.space.id", "machine-guid", "exact"), ("user.id", "person-guid", "pattern"),
            ("Netdata.telemetry.visitor.id", "person-guid", "pattern"), ("labels.nodeId", "node-id", "pattern")} <= found
    assert not any(f.expected for f in identify.check(push.body(IMPRESSION), identity))


def test_check_finds_the_slug_when_the_browser_used_an_address():
    body = push.body(push.Impression(GUID, "http://10.1.2.3:19999", "DB-Prod-7.example.com"))
    identity = Identity((IdentityValue("hostname", "DB-Prod-7.example.com", "test"),))
    [slug] = [f for f in identify.check(body, identity) if f.match == "slug"]
    assert (slug.field, slug.text) == ("url.full", "db-prod-7-example-com")


def test_registry_cookie_gives_the_person_guid():
    assert builder.person_guid("netdata_registry_id=AAAAAAAA-bbbb-4ccc-8ddd-eeeeeeeeeeee") == PERSON
    with pytest.raises(AuditError, match="no person GUID"):
        builder.person_guid("netdata_registry_id=nope")


HELLO = {"hostname": "db-prod-7", "machine_guid": GUID, "agent": {"machine_guid": GUID, "node_id": NODE},
         "registry": "https://registry.my-netdata.io", "cloud_base_url": "https://app.netdata.cloud",
         "anonymous_statistics": False}


@pytest.fixture
def agent(httpserver):
    httpserver.expect_request("/api/v1/registry", query_string="action=hello").respond_with_json(HELLO)
    httpserver.expect_request("/api/v1/info").respond_with_json({"version": "v1.47.0"})
    return httpserver.url_for("/").rstrip("/")


def test_payload_cli_builds_the_push_from_the_agents_hello(agent, capsys):
    assert main(["payload", "--channel", "dashboard", "telemetry-push", "--agent-url", agent, "--feature", "Overview",
                 "--tab", "overview", "--registry-cookie", f"netdata_registry_id={PERSON}",
                 "--timestamp", "2026-12-04T00:00:00.000Z", "--page-url", IMPRESSION.url or push.page_url(IMPRESSION)]) == 0
    out, err = capsys.readouterr()
    assert out.encode() == push.wire(IMPRESSION)
    assert "set by the browser, filled in here: event.sequence, Netdata.telemetry.session.id\n" in err


def test_payload_cli_needs_the_agent_url(capsys):
    assert main(["payload", "--channel", "dashboard", "telemetry-push"]) == 2
    assert "needs --agent-url URL" in capsys.readouterr().err


def test_send_refuses_the_dashboard_channel(agent, capsys, tmp_path):
    assert main(["send", "--channel", "dashboard", "telemetry-push", "--agent-url", agent,
                 "--journal", str(tmp_path / "j.jsonl")]) == 2
    assert "sent by browsers, not by this tool" in capsys.readouterr().err


def test_check_cli_on_a_captured_push_flags_the_host_name(tmp_path, capsys):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "hostname").write_text("db-prod-7\n")
    body = tmp_path / "push.json"
    body.write_bytes(push.wire(IMPRESSION))
    assert main(["check", "--channel", "dashboard", str(body), "--root", str(root), "--json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert {("url.full", "hostname")} <= {(f["field"], f["kind"]) for f in findings}
    assert sum(f["kind"] == "person-guid" for f in findings) == 2


def test_explain_decodes_a_push_body(tmp_path, capsys):
    body = tmp_path / "push.json"
    body.write_bytes(push.wire(IMPRESSION))
    assert main(["explain", str(body), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    fields = {f["field"]: f for f in doc["fields"]}
    assert doc["kind"] == "telemetry-push" and doc["problems"] == [] and doc["feature"] == "Overview"
    assert fields["url.full"]["browser"] and fields["labels.machine"]["sensitivity"] == "identifier"


def test_explain_decrypts_a_privacy_check_url(tmp_path, capsys):
    captured = tmp_path / "privacy.txt"
    captured.write_text(f"{privacy.URL}?data={privacy.encode(GUID, 'http://db-prod-7:19999', KEY)}\n")
    assert main(["explain", str(captured), "--dashboard-dir", str(tmp_path / "none")]) == 0
    out = capsys.readouterr().out
    assert "not decrypted: its key is in the v2 dashboard's bundle" in out and GUID not in out
    assert main(["explain", str(captured), "--dashboard-dir", str(bundle_dir(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert f'  {{"machine_guid":"{GUID}","url":"http://db-prod-7:19999"}}\n' in out and "HMAC-SHA256 valid" in out


def test_every_push_member_is_explained_by_the_schema():
    members = schemas.dashboard_push_properties()
    for key, _ in identify.fields_of(push.body(IMPRESSION)):
        assert key in members and members[key]["x-source"], key
    identifying = {k for k, m in members.items() if m.get("x-sensitivity") == "identifier"}
    assert set(push.IDENTIFYING) <= identifying
    assert {f.path for f in generations.PUSH_FIELDS if f.identifying} >= {"labels.machine", "url.full", "user.id"}
