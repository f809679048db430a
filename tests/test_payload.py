import json

import pytest

from audit.channels.backend import assemble as payload
from audit.channels.backend import wire
from audit.channels.backend.analytics import fact_name
from audit.plumbing.errors import AuditError
from tests.sample import GUID, sample_facts


def test_start_body_has_the_scripts_exact_layout():
    body = payload.build(sample_facts(), "START").wire.decode()
    lines = body.split("\n")
    assert lines[:4] == ["{", '    "event": "START -",', '    "properties": {', f'        "distinct_id": "{GUID}",']
    assert lines[-2:] == ["  }", "}"] and not body.endswith("\n")
    assert '        "host_collectors":[\n            null\n        ],' in body
    assert len(json.loads(body)["properties"]) == 82


def test_start_fills_only_the_late_values():
    doc = payload.build(sample_facts(), "START").document()["properties"]
    assert doc["config_memory_mode"] == "dbengine" and doc["config_page_cache_size"] == 32
    assert doc["netdata_buildinfo"] == "dbengine|Native HTTPS|Netdata Cloud"
    assert doc["alarms_normal"] is None and doc["host_collectors"] == [None] and doc["host_dashboard_used"] is None


def test_meta_carries_the_gathered_runtime_values():
    doc = payload.build(sample_facts(), "META").document()["properties"]
    assert doc["alarms_normal"] == 120 and doc["host_dashboard_used"] == 3
    assert doc["host_collectors"] == [{"plugin": "proc", "module": "/proc/stat"}, {"plugin": "go.d", "module": "nginx"}]


def test_quoted_system_info_values_are_strings_and_k8s_flag_is_a_string():
    doc = payload.build(sample_facts(), "START").document()["properties"]
    assert doc["system_total_ram"] == "25769803776" and doc["host_is_k8s_node"] == "false"
    assert doc["container_is_official_image"] is False


def test_fatal_event_line():
    built = payload.build(sample_facts(netdata_version="v2.2.0"), "FATAL", {
        "thread": "WEB_SERVER[static4]", "function": "web_client_api_request_v1_data",
        "file": "web/api/web_api_v1.c", "line": "1234", "errno": "12"})
    doc = built.document()
    assert doc["event"] == "FATAL netdata:WEB_SERVER[static4]"
    assert doc["properties"]["action_data"] == "1234@web/api/we:web_client_api_/12"
    assert not built.warnings


def test_event_outside_the_version_range_is_built_with_a_warning():
    built = payload.build(sample_facts(netdata_version="v2.5.4"), "FATAL")
    assert built.document() is not None
    assert any("does not send FATAL" in w for w in built.warnings)


def test_double_quote_in_action_data_becomes_single_quote():
    built = payload.build(sample_facts(), "EXPORTING_START", {"connector": 'a"b'})
    assert built.document()["properties"]["action_data"] == "a'b"


def test_quote_in_os_name_gives_invalid_json_naming_the_field():
    built = payload.build(sample_facts(NETDATA_HOST_OS_NAME='My "OS"'), "START")
    assert b'"host_os_name": "My "OS"",' in built.wire
    assert not built.valid_json and built.document() is None
    assert built.invalid[0].startswith("host_os_name:")


def test_empty_raw_value_gives_invalid_json():
    facts = sample_facts()
    facts[fact_name("netdata_buildinfo")] = facts[fact_name("netdata_buildinfo")].__class__("", "test")
    built = payload.build(facts, "START")
    assert b'"netdata_buildinfo": ,' in built.wire
    assert built.invalid == ("netdata_buildinfo: is empty (the script pastes this value unquoted)",)


def test_missing_official_image_flag_breaks_the_body():
    built = payload.build(sample_facts(NETDATA_CONTAINER_IS_OFFICIAL_IMAGE=None), "START")
    assert any(r.startswith("container_is_official_image") for r in built.invalid)


def test_unknown_event_and_foreign_parameter_are_errors():
    with pytest.raises(AuditError, match="unknown event 'NOPE'"):
        payload.build(sample_facts(), "NOPE")
    with pytest.raises(AuditError, match="--thread does not apply to START"):
        payload.build(sample_facts(), "START", {"thread": "x"})


@pytest.mark.parametrize("params, message", [
    ({"line": "-5"}, "--line -5"), ({"errno": "x"}, "--errno 'x': not an integer"),
])
def test_bad_fatal_parameters(params, message):
    with pytest.raises(AuditError, match=message):
        payload.build(sample_facts(), "FATAL", params)


def test_codes_for_cloud_connection_failures():
    doc = payload.build(sample_facts(netdata_version="v1.30.0"), "ACLK_CONN_FAIL", {"codes": "1, 2,44"}).document()
    assert doc["event"] == "ACLK_CONN_FAIL FAIL" and doc["properties"]["action_data"] == "1,2,44"


@pytest.mark.parametrize("data, shell, expected", [
    ("a\\tb", "dash", "a\tb"), ("a\\tb", "bash", "a\\tb"), ("-n", "dash", ""), ("x\n\n", "bash", "x"),
    ('say "hi"', "dash", "say 'hi'"), ("stop\\cnow", "dash", "stop"), ("\\0101", "dash", "A"),
])
def test_action_data_goes_through_the_scripts_echo(data, shell, expected):
    assert wire.shell_echo(data, shell) == expected


def test_daemon_cuts_long_system_info_lines_by_version():
    long = "x" * 2000
    assert len(wire.system_info_value("NETDATA_SYSTEM_CPU_MODEL", long, "v2.2.0")) == 199 - 25
    assert len(wire.system_info_value("NETDATA_SYSTEM_CPU_MODEL", long, "v2.5.0")) == 1022 - 25
    assert wire.system_info_value("NETDATA_HOST_OS_NAME", "a\rb", "v2.5.0") == "a"
    assert wire.system_info_value("NETDATA_HOST_OS_NAME", "a\rb", "v2.2.0") == "a\rb"


def test_assumed_values_are_marked_on_the_fields():
    facts = sample_facts()
    facts["machine_guid"] = facts["machine_guid"].__class__(wire.ALL_ZERO_GUID, "default", observed=False)
    built = payload.build(facts, "START")
    assert set(built.assumed) == {"distinct_id", "netdata_machine_guid"}
