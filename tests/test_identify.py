"""identify.check: this machine's values planted in payloads are found (exact or truncated), generic shapes are
found, and by-design identifiers, constants, versions and kernel versions give no false alarm."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.core import identify
from audit.channels.backend import assemble as payload
from audit.channels.backend.analytics import fact_name
from audit.facts.identity import Identity, IdentityValue
from audit.model.fact import Fact
from tests.sample import GUID, sample_facts

MACHINE_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CLAIM_ID = "7d3c1b2a-1111-4222-8333-944455556666"
IDENTITY = Identity((
    IdentityValue("hostname", "alice-laptop", "test"),
    IdentityValue("user", "alice", "test"),
    IdentityValue("home-path", "/home/alice", "test"),
    IdentityValue("ip", "192.168.7.42", "test"),
    IdentityValue("mac", "52:54:00:12:34:56", "test"),
    IdentityValue("machine-id", MACHINE_ID, "test"),
    IdentityValue("claim-id", CLAIM_ID, "test"),
    IdentityValue("machine-guid", GUID, "test"),
))
FATAL = {"thread": "MAIN", "line": "1234", "function": "web_client_api_request_v1_data", "errno": "12"}


def build(event="START", params=None, fail_reason=None, **facts):
    built = sample_facts(**facts)
    if fail_reason is not None:
        built[fact_name("netdata_fail_reason")] = Fact(fail_reason, "test")
    return payload.build(built, event, params)


def fatal(file, **params):
    return build("FATAL", {**FATAL, "file": file, **params}, netdata_version="v2.2.0")


def found(findings, field=None):
    return {(f.field, f.kind, f.match, f.text) for f in findings if field is None or f.field == field}


def test_a_clean_start_payload_holds_only_the_identifiers_sent_by_design():
    findings = identify.check(build(), IDENTITY)
    assert {(f.field, f.kind, f.expected) for f in findings} == {
        ("distinct_id", "machine-guid", True), ("netdata_machine_guid", "machine-guid", True),
        ("system_distinct_id", "system-distinct-id", True)}
    assert identify.unexpected(findings) == []
    assert all(f.sensitivity == "identifier" for f in findings)


def test_a_home_path_cut_to_ten_bytes_in_fatal_data_is_flagged_as_truncated():
    findings = identify.check(fatal("/home/alice/src/netdata/web/api/x.c"), IDENTITY)
    odd = identify.unexpected(findings)
    assert [(f.field, f.kind, f.match, f.text, f.sensitivity) for f in odd] == [
        ("action_data", "home-path", "truncated", "/home/alic", "usage")]
    assert "action_data holds a home-directory path (/home/alic, truncated)" in identify.summary(findings)


def test_a_truncated_home_path_is_flagged_without_knowing_the_user():
    odd = identify.unexpected(identify.check(fatal("/root/netdata/src/x.c"), Identity()))
    assert [(f.kind, f.match, f.text) for f in odd] == [("home-path", "truncated", "/root/netd")]


def test_a_host_name_cut_short_inside_a_fatal_file_path_is_flagged():
    identity = Identity((IdentityValue("hostname", "buildbox-prod", "test"),))
    odd = identify.unexpected(identify.check(fatal("/srv/buildbox-prod/x.c"), identity))
    assert [(f.kind, f.match, f.text) for f in odd] == [("hostname", "truncated", "build")]


def test_a_short_relative_file_name_is_clean():
    assert identify.unexpected(identify.check(fatal("web_api_v1.c"), IDENTITY)) == []
    assert identify.unexpected(identify.check(fatal("src/web/api/web_api_v1.c"), IDENTITY)) == []


def test_an_ip_in_the_fail_reason_is_flagged():
    odd = identify.unexpected(identify.check(build(fail_reason='"cannot bind 10.1.2.3:19999"'), Identity()))
    assert found(odd) == {("netdata_fail_reason", "ip", "pattern", "10.1.2.3")}


def test_this_machines_ip_is_an_exact_match():
    odd = identify.unexpected(identify.check(build(fail_reason='"cannot bind 192.168.7.42"'), IDENTITY))
    assert found(odd) == {("netdata_fail_reason", "ip", "exact", "192.168.7.42")}


@pytest.mark.parametrize("planted, kind", [
    ("Alice-Laptop", "hostname"),
    ("/home/alice/.netdata", "home-path"),
    ("52:54:00:12:34:56", "mac"),
    (MACHINE_ID, "machine-id"),
    (CLAIM_ID, "claim-id"),
])
def test_this_machines_values_planted_in_a_field_are_exact_matches(planted, kind):
    odd = identify.unexpected(identify.check(build(NETDATA_SYSTEM_CPU_MODEL=f"x {planted} y"), IDENTITY))
    assert found(odd) == {("system_cpu_model", kind, "exact", planted)}
    assert odd[0].sensitivity == "environment"


@pytest.mark.parametrize("text, kind", [
    ("aa:bb:cc:dd:ee:0f", "mac"),
    ("mail bob@example.org now", "email"),
    ("see https://status.example.com/x?y=1", "url"),
    ("cfg in /home/bob/netdata.conf", "home-path"),
    ("addr 2001:db8:1:2::7", "ip"),
    ("id 123e4567-e89b-12d3-a456-426614174000", "uuid"),
])
def test_generic_shapes_are_found_in_any_field(text, kind):
    odd = identify.unexpected(identify.check([("netdata_fail_reason", text)], Identity()))
    assert [f.kind for f in odd] == [kind] and odd[0].match == "pattern"


@pytest.mark.parametrize("text", [
    "6.1.0", "6.1.0-13-amd64", "5.15.0-91-generic", "v2.5.4", "1.2.3.4-rc", "v1.2.3.4", "2.0.3.1.5", "null", "-",
    "none", "00000000-0000-0000-0000-000000000000", "12:30:00", "::", "127.0.0.1", "0.0.0.0", "::1",
    "00:00:00:00:00:00", "chroot /rootfs", "web_client_api_request_v1_data", "dbengine|Native HTTPS",
])
def test_no_false_alarm(text):
    assert identify.check([("netdata_fail_reason", text)], Identity()) == []


def test_the_all_zero_guid_and_kernel_versions_in_a_payload_are_clean():
    built = build(machine_guid="00000000-0000-0000-0000-000000000000", NETDATA_SYSTEM_KERNEL_VERSION="6.1.0-13-amd64",
                  system_distinct_id="null")
    assert identify.check(built, Identity()) == []


def test_constants_sent_by_design_are_not_findings_but_changed_ones_are():
    assert identify.check([("$ip", "127.0.0.1"), ("$host", "backend.netdata.io"),
                           ("$current_url", "agent backend"), ("$pathname", "netdata-backend")], Identity()) == []
    assert found(identify.check([("$ip", "203.0.113.9")], Identity())) == {("$ip", "ip", "pattern", "203.0.113.9")}


def test_the_machine_guid_outside_its_own_fields_is_unexpected():
    odd = identify.unexpected(identify.check([("action_data", f"guid {GUID}")], IDENTITY))
    assert found(odd) == {("action_data", "machine-guid", "exact", GUID)}


def test_a_received_payload_that_is_not_valid_json_is_read_field_by_field():
    built = build(fail_reason='"cannot reach 10.20.30.40"', NETDATA_SYSTEM_CPU_MODEL='Xeon "Gold"')
    assert not built.valid_json
    findings = identify.check(built.wire, Identity())
    assert found(identify.unexpected(findings)) == {("netdata_fail_reason", "ip", "pattern", "10.20.30.40")}
    assert {f.field for f in findings if f.expected} == {"distinct_id", "netdata_machine_guid", "system_distinct_id"}


def test_a_parsed_document_works_too():
    document = build().document()
    document["properties"]["action_data"] = "/home/carol/x"
    odd = identify.unexpected(identify.check(document, Identity()))
    assert found(odd) == {("action_data", "home-path", "pattern", "/home/carol/x")}


def test_every_by_design_kind_found_is_explained():
    findings = identify.check(build(), IDENTITY)
    explained = identify.explanations(findings)
    assert set(explained) == {"machine-guid", "system-distinct-id"}
    assert "md5" in explained["system-distinct-id"] and "random" in explained["machine-guid"]


# --- properties ---------------------------------------------------------------------------------------------------

numbers = st.integers(min_value=0, max_value=999)


@given(numbers, numbers, numbers, st.sampled_from(["", "v", "V"]), st.sampled_from(["", "-rc1", "-13-amd64", ".x"]))
def test_version_like_strings_never_give_an_ip_finding(a, b, c, prefix, suffix):
    text = f"netdata {prefix}{a}.{b}.{c}{suffix} running"
    assert [f for f in identify.check([("netdata_fail_reason", text)], Identity()) if f.kind == "ip"] == []


octets = st.integers(min_value=0, max_value=255)


@given(octets.filter(lambda o: o not in (0, 127)), octets, octets, octets,
       st.sampled_from(["failed to connect to {} (timeout)", "{}", "peer={}:19999", "host {}, port 80",
                        "listen on {}."]))
def test_any_ipv4_planted_in_free_text_is_found(a, b, c, d, template):
    ip = f"{a}.{b}.{c}.{d}"
    findings = identify.check([("netdata_fail_reason", template.format(ip))], Identity())
    assert ("ip", ip) in {(f.kind, f.text) for f in findings}


def test_this_host_name_inside_a_url_is_reported_with_the_url():
    odd = identify.unexpected(identify.check([("netdata_fail_reason", "see http://alice-laptop:19999/x")], IDENTITY))
    assert found(odd) == {("netdata_fail_reason", "url", "pattern", "http://alice-laptop:19999/x"),
                          ("netdata_fail_reason", "hostname", "exact", "alice-laptop")}


def test_a_path_under_a_known_home_cut_short_stays_truncated():
    identity = Identity((IdentityValue("home-path", "/root", "test"),))
    odd = identify.unexpected(identify.check(fatal("/root/x/y.c"), identity))
    assert [(f.kind, f.match, f.text) for f in odd] == [("home-path", "truncated", "/root/x/y.")]


SHORT = Identity((IdentityValue("hostname", "vm", "test"), IdentityValue("hostname", "db", "test"),
                  IdentityValue("user", "ed", "test")))


@pytest.mark.parametrize("text, value", [
    ("cannot reach vm: timeout", "vm"), ("connect to db failed", "db"), ('"db"', "db"), ("user ed denied", "ed"),
    ("host=vm.", "vm"),
])
def test_a_short_host_or_user_name_is_caught_as_a_whole_token(text, value):
    odd = identify.unexpected(identify.check([("netdata_fail_reason", text)], SHORT))
    assert [(f.text, f.match) for f in odd] == [(value, "exact")]


@pytest.mark.parametrize("text", [
    "kvm guest", "vmware", "dbengine|Native HTTPS", "db-backup failed", "/var/lib/db/x", "enabled", "edited",
    "vm.local.lan", "mdb", "ed25519",
])
def test_no_false_alarm_on_words_containing_a_short_name(text):
    assert identify.check([("netdata_fail_reason", text)], SHORT) == []


def test_a_two_character_host_planted_in_a_payload_is_caught():
    built = build(fail_reason='"lost connection to db"')
    odd = identify.unexpected(identify.check(built, SHORT))
    assert [f.kind for f in odd] == ["hostname"]


def test_a_short_host_name_equal_to_a_classification_value_is_not_a_finding():
    """A host named `vm` and agent-events' product.type "vm" (a vocabulary word, sensitivity environment)."""
    who = Identity((IdentityValue("hostname", "vm", "/etc/hostname"),))
    assert identify.check_field("product.type", "vm", who, "environment") == []
    assert [f.text for f in identify.check_field("fatal.message", "cannot reach vm", who, "identifier")] == ["vm"]
