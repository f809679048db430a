"""Pilot tests: every flow of the TUI, on a facts snapshot that does not depend on this machine."""

import json
import subprocess
import sys

import pytest
from werkzeug import Response

from audit import channels
from audit.channels.backend import assemble as payload
from audit.facts import snapshot

from .conftest import loaded, opened, wait_for

SIZE = (80, 24)


def expected_wire(facts_file, event, params=None) -> str:
    return payload.build(snapshot.load(str(facts_file)), event, params or {}).wire.decode()


async def choose(pilot, screen, name):
    from audit.faces.tui.widgets import EventList

    screen.query_one(EventList).select_event(name)
    await wait_for(pilot, lambda: screen.event == name and screen.built is not None and screen.built.event == name,
                   what=f"{name} payload")


def notifications(app) -> list[str]:
    """What the notifications say, unwrapped (app.notify breaks lines to the toast's width)."""
    return [" ".join(n.message.split()) for n in app._notifications]


def option_ids(options) -> list[str]:
    """The ids of an OptionList's rows, channel headings included, in order."""
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


async def set_param(pilot, screen, name, text):
    """Type into a parameter field the way a user does: focus it, clear it, type."""
    field = screen.query_one(f"#param-{name}")
    field.cursor_blink = False  # a blinking cursor is drawn or not depending on timing: snapshots would flake
    field.focus()
    await pilot.pause()
    field.value = ""
    await pilot.press(*list(text) if text else [])
    await pilot.pause()


async def test_starts_on_the_first_event_with_exact_wire_bytes(make_app, facts_file):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert screen.event == "START"
        assert screen.query_one("#wire-text").text == expected_wire(facts_file, "START")
        status = str(screen.query_one("#status").render())
        assert screen.built.sha256[:16] in status and f"{len(screen.built.wire)} bytes" in status
        assert "valid JSON" in status


async def test_arrow_keys_select_an_event_and_its_form(make_app, facts_file):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("down")
        await wait_for(pilot, lambda: screen.event == "EXIT" and screen.built.event == "EXIT", what="EXIT")
        assert screen.query_one("#param-result").value == "OK"
        await wait_for(pilot, lambda: screen.query_one("#wire-text").text == expected_wire(facts_file, "EXIT"))
        assert '"event": "EXIT OK"' in screen.query_one("#wire-text").text


async def test_editing_fatal_fields_changes_the_wire_bytes(make_app, facts_file):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await choose(pilot, screen, "FATAL")
        before = screen.built.sha256
        await set_param(pilot, screen, "function", "rrdeng_load")
        await set_param(pilot, screen, "file", "rrdengine.c")
        await set_param(pilot, screen, "line", "1234")
        await set_param(pilot, screen, "errno", "-5")
        await set_param(pilot, screen, "thread", "RCVR[child]")
        params = {"function": "rrdeng_load", "file": "rrdengine.c", "line": "1234", "errno": "-5",
                  "thread": "RCVR[child]", "process": "netdata"}
        want = expected_wire(facts_file, "FATAL", params)
        await wait_for(pilot, lambda: screen.query_one("#wire-text").text == want, what="edited FATAL wire")
        assert '"action_data": "1234@rrdengine.:rrdeng_load    /-5"' in want
        assert '"event": "FATAL netdata:RCVR"' in want
        assert screen.built.sha256 != before
        assert screen.built.sha256 in str(screen.query_one("#status").render()) or \
            screen.built.sha256[:16] in str(screen.query_one("#status").render())


async def test_invalid_errno_shows_inline_and_recovers(make_app, facts_file):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await choose(pilot, screen, "FATAL")
        good = screen.built
        await set_param(pilot, screen, "errno", "EIO")
        await wait_for(pilot, lambda: screen.error != "", what="inline error")
        error = screen.query_one("#param-error")
        assert error.display and "--errno 'EIO': not an integer" in str(error.render())
        assert screen.query_one("#row-errno").has_class("-invalid")
        assert not screen.query_one("#row-line").has_class("-invalid")
        assert screen.built is good  # the last good payload stays on screen, never a half-built one
        assert "last edit not applied" in str(screen.query_one("#status").render())
        await pilot.press("escape", "s")  # out of the field; no sending while the form is wrong, and s says so
        await wait_for(pilot, lambda: any("Sending is off: fix the parameters first" in said
                                          for said in notifications(app)), what="refusal")
        assert app.screen is screen
        await set_param(pilot, screen, "errno", "5")
        await wait_for(pilot, lambda: screen.error == "" and screen.built is not good, what="recovery")
        assert not screen.query_one("#param-error").display
        assert not screen.query_one("#row-errno").has_class("-invalid")
        assert screen.query_one("#wire-text").text == expected_wire(facts_file, "FATAL", {"errno": "5"})


async def test_negative_line_is_an_inline_error_too(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await choose(pilot, screen, "FATAL")
        await set_param(pilot, screen, "line", "-1")
        await wait_for(pilot, lambda: screen.error != "" or screen.built.wire.count(b"-001@") > 0, what="line")
        # whatever the core decides about a negative line, the screen shows it and keeps running
        assert app.is_running


async def test_exporting_start_result_and_connector(make_app, facts_file):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await choose(pilot, screen, "EXPORTING_START")
        await set_param(pilot, screen, "connector", "json:https")
        await wait_for(pilot, lambda: '"action_data": "json:https"' in screen.query_one("#wire-text").text)
        screen.query_one("#param-result").value = "FAIL"
        want = expected_wire(facts_file, "EXPORTING_START", {"result": "FAIL", "connector": "json:https"})
        await wait_for(pilot, lambda: screen.query_one("#wire-text").text == want, what="FAIL wire")
        assert '"event": "EXPORTING_START FAIL"' in want


async def test_aclk_codes_are_decoded_and_picked(make_app, facts_file):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await choose(pilot, screen, "ACLK_CONN_FAIL")
        assert "1 CLIENT_CONNECTION_ERROR" in str(screen.query_one("#codes-help").render())
        await set_param(pilot, screen, "codes", "30,2")
        await wait_for(pilot, lambda: "30 WSI_DESTROY" in str(screen.query_one("#codes-help").render()))
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.screen.id == "codes-picker", what="picker")
        app.screen.query_one("#codes-list").highlighted = 4  # code 4, CLOSED
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.query_one("#param-codes").value == "4,30,2", what="picked code")
        want = expected_wire(facts_file, "ACLK_CONN_FAIL", {"codes": "4,30,2"})
        await wait_for(pilot, lambda: screen.query_one("#wire-text").text == want)
        await set_param(pilot, screen, "codes", "1,x")
        await wait_for(pilot, lambda: "expected comma-separated integers" in screen.error)


async def test_json_and_fields_tabs(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        screen.query_one("#tabs").active = "tab-json"
        await wait_for(pilot, lambda: screen.query_one("#json-text").text.startswith('{\n  "event": "START -"'))
        screen.query_one("#tabs").active = "tab-fields"
        table = screen.query_one("#fields")
        await wait_for(pilot, lambda: table.row_count == len(screen.built.fields), what="fields table")
        row = table.get_row("netdata_machine_guid")
        assert "3a2bd8c6" in str(row[1]) and str(row[4]) == "identifier"
        assert "bold red" in str(row[0].style)  # identifiers stand out


async def test_invalid_json_payload_explains_why(make_app, tmp_path):
    from sample import sample_facts

    bad = tmp_path / "bad-facts.json"
    bad.write_text(snapshot.dumps(sample_facts(NETDATA_HOST_OS_NAME='Debian "bookworm"')))
    app = make_app(facts_file=str(bad))
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert not screen.built.valid_json
        note = screen.query_one("#wire-invalid")
        assert note.display and "host_os_name" in str(note.render())
        assert "INVALID JSON" in str(screen.query_one("#status").render())


async def test_facts_error_is_a_message_not_a_traceback(make_app, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    app = make_app(facts_file=str(broken))
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        await wait_for(pilot, lambda: screen.query_one("#load-error").display, what="load error")
        text = str(screen.query_one("#load-error").render())
        assert "Could not gather facts" in text and "not valid JSON" in text
        assert screen.send_block() == "no payload yet"
        await pilot.press("q")
    assert app.return_code in (0, None)


async def test_send_to_loopback_server_records_the_journal(make_app, httpserver, facts_file, journal_path):
    want = expected_wire(facts_file, "START").encode()
    httpserver.expect_oneshot_request("/ingest", method="POST", data=want,
                                      headers={"Content-Type": "application/json"}).respond_with_response(
        Response("ok", status=200))
    app = make_app(endpoint=httpserver.url_for("/ingest"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: screen.optout.summary != "checking opt-outs…", what="opt-out verdict")
        assert screen.check_action("send", ()) is True
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.id == "confirm-send", what="confirmation")
        dialog = app.screen
        assert httpserver.url_for("/ingest") in str(dialog.query_one("#dialog-endpoint").render())
        assert screen.built.sha256 in str(dialog.query_one("#dialog-sha256").render())
        assert not httpserver.log  # nothing goes out before the user says yes
        await pilot.press("y")
        await wait_for(pilot, lambda: journal_path.exists() and journal_path.read_text().strip(), what="journal")
        httpserver.check_assertions()
        assert len(httpserver.log) == 1 and httpserver.log[0][0].get_data() == want
        await pilot.press("j")
        await wait_for(pilot, lambda: app.screen.id == "journal", what="journal view")
        table = app.screen.query_one("#journal-table")
        await wait_for(pilot, lambda: table.row_count == 1, what="journal row")
        row = table.get_row_at(0)
        assert [str(c) for c in row[1:4]] == ["sent", "START", screen.built.sha256[:16]]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


async def test_cancelled_send_sends_nothing(make_app, httpserver, journal_path):
    app = make_app(endpoint=httpserver.url_for("/ingest"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: screen.optout.summary != "checking opt-outs…")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.id == "confirm-send")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        assert not httpserver.log and not journal_path.exists()


async def test_sending_is_disabled_under_disable_telemetry(make_app, httpserver, monkeypatch, journal_path):
    monkeypatch.setenv("DISABLE_TELEMETRY", "1")
    app = make_app(endpoint=httpserver.url_for("/ingest"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: screen.optout.block_reason is not None, what="opt-out verdict")
        assert "DISABLE_TELEMETRY" in screen.optout.block_reason
        assert "send: off" in str(screen.query_one("#status").render())
        await pilot.press("s")  # the key answers, as the CLI does: the refusal is shown and journaled
        await wait_for(pilot, lambda: journal_path.exists(), what="refusal recorded")
        assert app.screen is screen  # no confirmation dialog
        assert any("Sending is off" in said and "DISABLE_TELEMETRY" in said for said in notifications(app))
        assert not httpserver.log
        line = json.loads(journal_path.read_text().splitlines()[0])
        assert line["state"] == "refused" and "DISABLE_TELEMETRY" in line["message"] and line["source"] == "tui"
        panel = str(screen.query_one("#optout-body").render())
        assert "NOT SENT" in panel and "DISABLE_TELEMETRY" in panel


async def test_suppress_records_the_decision(make_app, journal_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("x")
        await wait_for(pilot, lambda: journal_path.exists() and journal_path.read_text().strip())
        line = json.loads(journal_path.read_text().splitlines()[0])
        assert line["state"] == "suppressed" and line["sha256"] == screen.built.sha256


async def test_save_writes_the_exact_bytes(make_app, tmp_path):
    app = make_app()
    target = tmp_path / "out.json"
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: app.screen.id == "save")
        app.screen.query_one("#save-path").value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: target.exists() and target.stat().st_size == len(screen.built.wire))
        assert target.read_bytes() == screen.built.wire


async def test_save_to_an_unwritable_place_is_a_message(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: app.screen.id == "save")
        app.screen.query_one("#save-path").value = str(tmp_path / "missing-dir" / "x.json")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("cannot write" in str(n.message) for n in app._notifications))
        assert app.is_running


async def test_help_lists_every_action(make_app):
    from audit.faces.tui.actions import ACTIONS

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen.query_one("#help-text") is not None)
        source = app.screen.query_one("#help-text").source
        for a in ACTIONS:
            assert a.command in source
        await pilot.press("escape")


async def test_every_action_has_binding_id_footer_and_palette_entry(make_app):
    from audit.faces.tui.actions import ACTIONS
    from audit.faces.tui.app import AuditCommands

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        ids = {b.id for b in screen.BINDINGS}
        assert {a.id for a in ACTIONS} <= ids
        action_ids = {a.id: a for a in ACTIONS}
        assert all(b.description and b.show == action_ids[b.id].footer for b in screen.BINDINGS if b.id in action_ids)
        assert all(b.id.startswith("tab.") for b in screen.BINDINGS if b.id not in action_ids)  # help lists them
        provider = AuditCommands(screen)
        titles = [hit.text async for hit in provider.discover()]
        assert titles == [a.command for a in ACTIONS]
        assert "payload: send" in titles and "opt-out: apply" in titles


async def test_palette_runs_a_namespaced_command(make_app, journal_path):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "CommandPalette")
        await pilot.press(*"payload: suppress")
        await wait_for(pilot, lambda: app.screen.query("CommandList").first().option_count > 0, what="hits")
        await pilot.press("enter")
        await wait_for(pilot, lambda: journal_path.exists() and "suppressed" in journal_path.read_text())


async def test_optout_apply_needs_confirmation(make_app, config_dir):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: app.screen.id == "confirm-apply")
        assert ".opt-out-from-anonymous-statistics" in str(app.screen.query_one("#dialog-file").render())
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        assert not (config_dir / ".opt-out-from-anonymous-statistics").exists()


@pytest.mark.parametrize("key, present, said", [("o", True, "already present: nothing to do"),
                                                ("i", False, "not present: nothing to do"),
                                                ("i", True, "left in place: telemetry-audit did not create it")])
async def test_optout_change_with_nothing_to_do_says_so_without_a_dialog(make_app, config_dir, key, present, said):
    """A revert keeps an opt-out file it did not create (a package's, an admin's): said before any dialog that would
    promise "removes it"."""
    if present:
        (config_dir / ".opt-out-from-anonymous-statistics").touch()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press(key)
        await wait_for(pilot, lambda: any(said in text for text in notifications(app)), what="notification")
        assert app.screen is screen
        assert (config_dir / ".opt-out-from-anonymous-statistics").exists() is present


async def test_optout_revert_asks_before_removing_a_file_it_created(make_app, config_dir):
    from audit.core import optout

    (config_dir / ".opt-out-from-anonymous-statistics").write_text(optout.CREATED_MARK)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: app.screen.id == "confirm-revert", what="revert dialog")
        await pilot.press("y")
        await wait_for(pilot, lambda: not (config_dir / ".opt-out-from-anonymous-statistics").exists(),
                       what="file removed")
        assert app.screen is screen


def test_headless_commands_never_import_textual():
    code = ("import sys, audit.faces.cli; audit.faces.cli.build_parser(); import audit.faces.tui, audit.faces.tui.adapters; "
            "assert 'textual' not in sys.modules and 'rich' not in sys.modules, "
            "[m for m in sys.modules if m.startswith(('textual', 'rich'))]")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_first_frame_needs_none_of_the_audit_core():
    """The app draws its title before the main screen and the core are imported (the first-frame budget)."""
    code = ("import sys, audit.faces.tui.app; core = ('audit.faces.tui.screens', 'audit.faces.tui.widgets', 'audit.channels.backend.assemble', "
            "'audit.core.optout'); assert not [m for m in core if m in sys.modules], sys.modules.keys() & set(core)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_command_opens_the_tui(monkeypatch, facts_file):
    import audit.faces.tui
    from audit.faces import cli

    seen = []
    monkeypatch.setattr(audit.faces.tui, "run", lambda options: seen.append(options) or 0)
    assert cli.main([]) == 0
    assert seen and seen[0].request.facts_file is None and seen[0].endpoint is None
    assert cli.main(["tui", "--facts", str(facts_file), "--endpoint", "http://127.0.0.1:1/x",
                     "--journal", "j.jsonl", "--netdata-version", "v2.2.0"]) == 0
    options = seen[1]
    assert options.request.facts_file == str(facts_file) and options.request.netdata_version == "v2.2.0"
    assert options.endpoint == "http://127.0.0.1:1/x" and options.journal == "j.jsonl"


async def test_unexpected_gather_failure_is_a_message_too(make_app, monkeypatch):
    import audit.faces.tui.screens

    def broken(request):
        raise RuntimeError("sysinfo module missing")

    monkeypatch.setattr(audit.faces.tui.screens, "gather", broken)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        await wait_for(pilot, lambda: screen.query_one("#load-error").display, what="load error")
        text = str(screen.query_one("#load-error").render())
        assert "RuntimeError: sysinfo module missing" in text and "--facts FILE" in text


async def test_send_confirmation_repeats_version_warnings(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await choose(pilot, screen, "FATAL")
        await wait_for(pilot, lambda: screen.optout.summary != "checking opt-outs…")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.id == "confirm-send")
        assert "does not send FATAL" in str(app.screen.query_one("#dialog-note").render())
        await pilot.press("escape")


async def test_identifying_data_is_flagged_in_fields_wire_and_status(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await choose(pilot, screen, "FATAL")
        await set_param(pilot, screen, "file", "/home/alice/src/netdata/web/api/x.c")
        await wait_for(pilot, lambda: "action_data" in screen.findings, what="finding")
        banner = screen.query_one("#wire-identifying")
        await wait_for(pilot, lambda: banner.display, what="wire banner")
        assert "action_data holds a home-directory path (/home/alic, truncated)" in str(banner.render())
        assert "⚠ 1 identifying value" in str(screen.query_one("#status").render())
        screen.query_one("#tabs").active = "tab-fields"
        table = screen.query_one("#fields")
        await wait_for(pilot, lambda: table.row_count == len(screen.built.fields), what="fields table")
        value = table.get_row("action_data")[1]
        assert str(value).startswith("⚠") and "on red" in str(value.spans[-1].style if value.spans else value.style)
        assert "UNEXPECTED" in str(table.detail("action_data"))
        await set_param(pilot, screen, "file", "x.c")  # a plain file name is clean again
        await wait_for(pilot, lambda: "action_data" not in screen.findings, what="clean payload")
        screen.query_one("#tabs").active = "tab-wire"
        await wait_for(pilot, lambda: not banner.display, what="banner gone")


async def test_send_is_off_when_the_config_dir_is_not_an_agents(make_app, tmp_path):
    app = make_app(config_dir=str(tmp_path / "netdta"))
    async with app.run_test() as pilot:
        screen = await opened(pilot)
        await wait_for(pilot, lambda: screen.send_block() not in (None, "no payload yet"), what="send blocked")
        assert "does not exist" in screen.send_block()


@pytest.mark.parametrize("channel", [c.name for c in channels.built()])
async def test_no_channel_sends_when_the_config_dir_is_not_an_agents(make_app, httpserver, tmp_path, journal_path,
                                                                     channel):
    httpserver.expect_request("/ingest").respond_with_data("ok")
    app = make_app(endpoint=httpserver.url_for("/ingest"), config_dir=str(tmp_path / "netdta"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: screen.optout.components, what="opt-out verdict")
        await choose(pilot, screen, channels.channel(channel).impl().events()[-1].name)
        await pilot.press("s")
        await wait_for(pilot, lambda: journal_path.exists(), what="refusal recorded")
        assert app.screen is screen and httpserver.log == []
        entry = json.loads(journal_path.read_text().splitlines()[-1])
        assert entry["state"] == "refused" and entry["channel"] == channel and "does not exist" in entry["message"]
        assert any("Sending is off" in said and "does not exist" in said for said in notifications(app))


async def test_installer_events_are_their_own_channel_with_secrets_flagged(make_app, monkeypatch):
    from audit.faces.tui.widgets import EventList

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        ids = option_ids(screen.query_one(EventList))
        assert ids.index("channel:installer") < ids.index("event:INSTALL_SUCCESS") < ids.index("channel:dashboard")
        await choose(pilot, screen, "INSTALL_SUCCESS")
        assert screen.built.channel == "installer"
        await set_param(pilot, screen, "install_options", "--claim-token abc123 --stable-channel")
        await wait_for(pilot, lambda: '"install_options": "--claim-token abc123' in screen.built.wire.decode(),
                       what="options in the body")
        secret = [f for f in screen.findings.get("install_options", ()) if f.secret]
        assert [f.text for f in secret] == ["abc123"]
        assert '"netdata_release_channel": "stable"' in screen.query_one("#wire-text").text


@pytest.mark.parametrize("value, blocked", [("1", True), ("0", False)])
async def test_installer_sending_follows_kickstarts_rule(make_app, config_dir, monkeypatch, value, blocked):
    monkeypatch.setenv("DISABLE_TELEMETRY", value)  # 0 stops the backend but not kickstart
    (config_dir / ".install-type").write_text("INSTALL_TYPE='kickstart-static'\n")  # else kickstart never ran here
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: screen.optout.block_reason is not None, what="opt-out verdict")
        await choose(pilot, screen, "INSTALL_CRASH")
        assert (screen.send_block() is not None) is blocked


def test_quit_while_facts_are_still_loading_exits_at_once(tmp_path):
    """A read that never finishes (a stuck mount) must not hold the process open after q."""
    import os
    import pty
    import select
    import time

    script = ("import threading, sys\n"
              "import audit.faces.tui.screens as screens\n"
              "screens.gather = lambda request: threading.Event().wait()\n"
              "from audit.faces.cli import main\n"
              "sys.exit(main(sys.argv[1:]))\n")
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    proc = subprocess.Popen([sys.executable, "-c", script, "tui", "--journal", str(tmp_path / "j.jsonl")],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    try:
        def drain(until, stop):
            seen = b""
            while not stop(seen) and time.monotonic() < until:
                if select.select([master], [], [], 0.2)[0]:
                    try:
                        seen += os.read(master, 65536)
                    except OSError:  # the terminal closes when the child exits
                        break
            return seen

        assert b"loading" in drain(time.monotonic() + 30, lambda seen: b"loading" in seen)
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            os.write(master, b"q")  # again until it lands: the app may not read keys yet when "loading" shows
            drain(time.monotonic() + 1, lambda seen: proc.poll() is not None)
        assert proc.poll() == 0
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


async def test_number_keys_switch_tabs(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        tabs = screen.query_one("#tabs")
        for key, tab in (("4", "tab-optout"), ("2", "tab-json"), ("3", "tab-fields"), ("1", "tab-wire")):
            await pilot.press(key)
            await wait_for(pilot, lambda: tabs.active == tab, what=tab)


async def test_help_lists_every_key_and_scrolls_at_80x24(make_app):
    from audit.faces.tui import actions
    from audit.faces.tui.screens import OTHER_KEYS

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen.query("#help-scroll"), what="help")
        await pilot.pause()
        source = app.screen.query_one("#help-text").source
        for a in actions.ACTIONS:
            assert f"`{a.keys.replace('question_mark', '?')}`" in source
        for keys, _, _ in OTHER_KEYS:
            assert f"`{keys}`" in source
        scroll = app.screen.query_one("#help-scroll")
        assert scroll.max_scroll_y > 0
        scroll.scroll_end(animate=False)
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y


async def test_a_load_error_is_in_the_tuis_words(make_app):
    app = make_app(facts_file="/dev/zero")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        await wait_for(pilot, lambda: screen.error != "", what="load error")
        text = str(screen.query_one("#load-error").render())
        assert "facts snapshot /dev/zero" in text and "--facts" not in text and "regular file" in text


async def test_agent_events_causes_are_their_own_channel_with_the_gate_in_the_status_line(make_app, config_dir):
    from audit.faces.tui.widgets import EventList, StatusLine

    (config_dir / "netdata.conf").write_text("[global]\n    crash reports = off\n")
    app = make_app(netdata_version="v2.11.0")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        ids = option_ids(screen.query_one(EventList))
        assert ids.index("channel:agent-events") < ids.index("event:killed hard") < ids.index("channel:installer")
        await choose(pilot, screen, "killed hard")
        assert screen.built.channel == "agent-events" and screen.built.document()["exit_cause"] == "killed hard"
        await set_param(pilot, screen, "message", "cannot open /home/alice/db")
        await wait_for(pilot, lambda: b"/home/alice/db" in screen.built.wire, what="message in the body")
        assert any(not f.expected for f in screen.findings.get("fatal.message", ()))
        await wait_for(pilot, lambda: "crash reports = off" in str(screen.query_one(StatusLine).render()),
                       what="the gate's verdict")
        assert screen.send_block() is not None  # crash reports = off: sending it is refused too


async def test_quit_and_help_are_in_the_footer_at_80_columns(make_app):
    from textual.widgets import Footer

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        shown = [k.description for k in app.screen.query_one(Footer).query("FooterKey")
                 if k.region.right <= 80 and k.region.width > 0]
        assert shown[:2] == ["Quit", "Help"]


async def test_a_dialog_is_never_covered_by_an_earlier_notification(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        app.notify("a long notification that would sit over the dialog", timeout=60)
        await wait_for(pilot, lambda: len(app._notifications) == 1, what="the notification")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen is not screen, what="the help dialog")
        assert len(app._notifications) == 0


async def test_history_dialog_lists_the_real_six_starts_newest_first(make_app, tmp_path):
    import shutil
    from pathlib import Path

    root = tmp_path / "root"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data" / "history-v2.11.0" / "root", root)
    app = make_app(root=str(root), config_dir="/srv/nd/etc")
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("h")
        await wait_for(pilot, lambda: app.screen.id == "history", what="history view")
        table = app.screen.query_one("#history-table")
        await wait_for(pilot, lambda: table.row_count == 6, what="six rows")
        assert [str(table.get_row_at(i)[2]) for i in range(6)] == [
            "killed hard", "killed hard", "killed fatal", "deadly signal", "deadly signal", "no last status"]
        assert str(table.get_row_at(1)[3]) == "posted"
        notes = str(app.screen.query_one("#history-notes").render())
        assert "the body it would have posted (nothing was sent)" in notes  # the first row's notes
        assert "journald is not read under --root" in notes
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.id != "history", what="closed")


async def test_the_optout_tab_and_status_bar_speak_of_the_shown_channel_and_its_real_reason(make_app, tmp_path):
    """issue 21: an agent-events entry was headed "Backend channel: NOT SENT" and the status bar said "send: off
    (opt-out)" when the reason was the version (v2.2 predates agent-events, v2.3.0)."""
    from audit.faces.tui.widgets import StatusLine
    from audit.model.fact import Fact
    from sample import sample_facts

    facts = {**sample_facts(), "netdata_version": Fact("v2.2.0", "command:netdata -v")}  # the installed agent
    facts_file = tmp_path / "v2.2.json"
    facts_file.write_text(snapshot.dumps(facts))
    app = make_app(facts_file=str(facts_file))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: screen.optout.components, what="opt-out verdict")
        await choose(pilot, screen, "killed hard")
        panel = lambda: str(screen.query_one("#optout-body").render())  # noqa: E731
        await wait_for(pilot, lambda: panel().startswith("Agent events channel: NOT SENT"), what="heading")
        assert "predates agent-events" in panel() and "Backend channel" not in panel()
        status = str(screen.query_one(StatusLine).render())
        assert "send: off (Netdata v2.2.0 predates agent-events)" in " ".join(status.split())
        assert "opt-out)" not in status
        await choose(pilot, screen, "START")
        await wait_for(pilot, lambda: panel().startswith("Agent backend channel: sent"), what="backend heading")


async def test_an_agent_events_body_is_gated_by_its_own_exit_cause(make_app, config_dir, monkeypatch, tmp_path):
    """`crash reports = crashes` posts only after a crash: the TUI asks the daemon's gate about the shown body's
    cause, as `payload` and `send` do (issue 21)."""
    from audit.channels.agent_events import gate

    for name in gate.CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    (config_dir / "netdata.conf").write_text("[global]\n    crash reports = crashes\n")
    (tmp_path / "lib").mkdir()
    app = make_app(netdata_version="v2.11.0", lib_dir=str(tmp_path / "lib"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: screen.optout.components, what="opt-out verdict")
        await choose(pilot, screen, "exit instructed")
        assert screen.send_block() == "crash reports = crashes ('exit instructed' is not a crash)"
        await choose(pilot, screen, "killed hard")
        assert screen.send_block() is None
