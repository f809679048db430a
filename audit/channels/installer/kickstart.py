"""kickstart.sh's `telemetry_event` as data, per kickstart revision (read from packaging/installer/kickstart.sh at each
tag v1.33.0 .. v2.11.0 and at master e9506adc6a; the function changed at v1.33.1, v1.34.0, v1.35.0, v1.37.0, v1.40.0
and v1.42.0 and not since), the fatal() messages that date an INSTALL_FAILED body, and the part of its option parsing
that decides the values the body carries. Pure: no I/O.

kickstart.sh is published from master on every push (.github/workflows/kickstart-upload.yml), not per release: what
runs today is master, so revisions are named by tag or as `master` at the commit read."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from audit.plumbing import versions

NEWEST = "master"  # what runs today: kickstart is fetched fresh from master (REVISIONS[-1] names the commit read)
NEWEST_TAG = "v2.11.0"  # the newest tag read
OLDEST = "v1.33.0"  # the first "kickstart-ng" (v1.32's legacy kickstart sent a different body; not modelled)

CLOUD_FUNCTION = "https://us-east1-netdata-analytics-bi.cloudfunctions.net/ingest_agent_events"
# kickstart's own default for TELEMETRY_API_KEY up to v1.39 (`${NETDATA_POSTHOG_API_KEY:-...}`): PostHog's public,
# write-only project key that every installer event carried in its body then.
POSTHOG_PROJECT_KEY = "mqkwGT0JNFqO-zX2t0mW6Tec9yooaVu7xCBlXtHnt5Y"


@dataclass(frozen=True)
class Variant:
    since: str  # first tag with this telemetry_event
    until: str | None  # last minor release with it (None: still current)
    url: str  # TELEMETRY_URL
    api_key: bool  # the body starts with "api_key" (PostHog's capture API)
    distinct_id: str  # "raw": machine-id as is, else uuidgen; "prefixed": machine-/dbus-/uuid- + raw id;
    #                   "md5": machine-/dbus- + md5 of the file, uuid- + uuidgen
    uuid_lower: bool  # uuidgen's output lower-cased
    properties: tuple[str, ...]  # body property keys in order (values: PROPERTY_SOURCE)
    legacy_defaults: bool  # v1.33-v1.34: RELEASE_CHANNEL nightly, NETDATA_AUTO_UPDATES 1 before options
    action_names: str  # how NETDATA_COMMAND is named: "none" (not sent), "v1.37", "set_action" (v1.39+)
    channel_options: bool = True  # v1.39+: --nightly-channel and --release-channel exist
    method_rule: str = "only"  # what parsing leaves in SELECTED_INSTALL_METHOD: "only" (to v2.8: the --*-only
    #                            option's method, else none), "requested" (v2.9+: the requested type, default auto)


# Where each property's text comes from: a constant, the event's arguments, or a kickstart variable.
PROPERTY_SOURCE: dict[str, str] = {
    "distinct_id": "var:DISTINCT_ID",
    "event_source": "const:agent installer",
    "$current_url": "const:agent installer",
    "$pathname": "const:netdata-installer",
    "$host": "const:installer.netdata.io",
    "$ip": "const:127.0.0.1",
    "script_variant": "const:kickstart-ng",
    "error_code": "arg:3",
    "error_message": "arg:2",
    "install_options": "var:KICKSTART_OPTIONS",
    "install_interactivity": "var:INTERACTIVE",
    "install_auto_updates": "var:NETDATA_AUTO_UPDATES",
    "install_command": "var:NETDATA_COMMAND",
    "total_runtime": "var:total_duration",
    "selected_install_method": "var:SELECTED_INSTALL_METHOD",
    "netdata_release_channel": "var:RELEASE_CHANNEL",
    "netdata_install_type": "var:INSTALL_TYPE",
    "host_os_name": "var:HOST_NAME",
    "host_os_id": "var:HOST_ID",
    "host_os_id_like": "var:HOST_ID_LIKE",
    "host_os_version": "var:HOST_VERSION",
    "host_os_version_id": "var:HOST_VERSION_ID",
    "system_kernel_name": "var:KERNEL_NAME",
    "system_kernel_version": "var:KERNEL_VERSION",
    "system_architecture": "var:ARCHITECTURE",
    "system_total_ram": "var:TOTAL_RAM",
    "system_distinct_id": "var:DISTINCT_ID",
}

_HEAD = ("distinct_id", "event_source", "$current_url", "$pathname", "$host", "$ip", "script_variant",
         "error_code", "error_message", "install_options")
_TAIL = ("total_runtime", "selected_install_method", "netdata_release_channel", "netdata_install_type",
         "host_os_name", "host_os_id", "host_os_id_like", "host_os_version", "host_os_version_id",
         "system_kernel_name", "system_kernel_version", "system_architecture", "system_total_ram")


def _props(*middle: str, distinct: bool = False) -> tuple[str, ...]:
    return _HEAD + middle + _TAIL + (("system_distinct_id",) if distinct else ())


_POSTHOG = "https://posthog.netdata.cloud/capture/"
VARIANTS: tuple[Variant, ...] = (
    Variant("v1.33.0", "v1.33.0", _POSTHOG, True, "raw", False, _props(), True, "none", channel_options=False),
    Variant("v1.33.1", "v1.33", _POSTHOG, True, "raw", False, _props("install_interactivity"), True, "none",
            channel_options=False),
    Variant("v1.34.0", "v1.34", _POSTHOG, True, "raw", True, _props("install_interactivity"), True, "none",
            channel_options=False),
    Variant("v1.35.0", "v1.36", _POSTHOG, True, "raw", True,
            _props("install_interactivity", "install_auto_updates"), False, "none", channel_options=False),
    Variant("v1.37.0", "v1.38", _POSTHOG, True, "prefixed", True,
            _props("install_interactivity", "install_auto_updates", "install_command"), False, "v1.37",
            channel_options=False),
    Variant("v1.39.0", "v1.39", "https://app.posthog.com/capture/", True, "prefixed", True,
            _props("install_interactivity", "install_auto_updates", "install_command"), False, "set_action"),
    Variant("v1.40.0", "v1.41", CLOUD_FUNCTION, False, "prefixed", True,
            _props("install_interactivity", "install_auto_updates", "install_command"), False, "set_action"),
    Variant("v1.42.0", "v2.8", CLOUD_FUNCTION, False, "md5", True,
            _props("install_interactivity", "install_auto_updates", "install_command", distinct=True), False,
            "set_action"),
    Variant("v2.9.0", None, CLOUD_FUNCTION, False, "md5", True,
            _props("install_interactivity", "install_auto_updates", "install_command", distinct=True), False,
            "set_action", method_rule="requested"),
)


# fatal() messages that date a body (kickstart.sh handle_existing_install): F0106 refuses to update an install it
# cannot manage, F050C was the answer "no" to the prompt that master no longer asks.
_CLAIM_NOTICE = "If you just want to claim this install, you should re-run this command with the --claim-only option " \
                "instead."
_NATIVE = ("Attempting to update an installation managed by the system package manager is known to not work in most "
           "cases. If you are trying to install the latest version of Netdata, you will need to manually uninstall it "
           "through your system package manager. " + _CLAIM_NOTICE)
_UNKNOWN_TYPE = ("We do not support trying to update or claim installations when we cannot determine the install type. "
                 "You will need to uninstall the existing install using the same method you used to install it to "
                 "proceed.")
MESSAGES_V1_34 = (("F0106", _UNKNOWN_TYPE), ("F0106", "Unable to find usable claiming script."))
MESSAGES_V1_37 = (("F0106", _NATIVE), ("F0106", f"{_UNKNOWN_TYPE} {_CLAIM_NOTICE}"),
                  ("F050C", "Cancelling update of unknown installation type at user request."))
MESSAGES_MASTER = (("F0106", _NATIVE), ("F0106", "We do not support trying to update installations when we cannot "
                                                 "determine the install type. You will need to uninstall the existing "
                                                 "install using the same method you used to install it to proceed. "
                                                 + _CLAIM_NOTICE))
DATING_CODES = ("F0106", "F050C")


@dataclass(frozen=True)
class Revision:
    """One kickstart.sh as read: a tag, or master at a commit; it holds until the next revision."""
    name: str  # a tag, or "master"
    commit: str | None  # the commit read (master only; a tag names its own)
    date: str  # the commit date of what was read
    variant: Variant
    messages: tuple[tuple[str, str], ...]  # (code, text) of its fatal() calls with a DATING_CODES code

    @property
    def label(self) -> str:
        return f"master at {self.commit} ({self.date})" if self.commit else self.name


def _by_since(tag: str) -> Variant:
    return next(v for v in VARIANTS if v.since == tag)


REVISIONS: tuple[Revision, ...] = (
    Revision("v1.33.0", None, "2022-01-26", _by_since("v1.33.0"), ()),
    Revision("v1.33.1", None, "2022-02-14", _by_since("v1.33.1"), ()),
    Revision("v1.34.0", None, "2022-04-14", _by_since("v1.34.0"), MESSAGES_V1_34),
    Revision("v1.35.0", None, "2022-06-08", _by_since("v1.35.0"), MESSAGES_V1_34),
    Revision("v1.37.0", None, "2022-11-30", _by_since("v1.37.0"), MESSAGES_V1_37),
    Revision("v1.39.0", None, "2023-05-08", _by_since("v1.39.0"), MESSAGES_V1_37),
    Revision("v1.40.0", None, "2023-06-14", _by_since("v1.40.0"), MESSAGES_V1_37),
    Revision("v1.42.0", None, "2023-08-09", _by_since("v1.42.0"), MESSAGES_V1_37),
    Revision("v2.9.0", None, "2026-02-16", _by_since("v2.9.0"), MESSAGES_V1_37),
    Revision(NEWEST_TAG, None, "2026-08-12", _by_since("v2.9.0"), MESSAGES_V1_37),
    Revision("master", "e9506adc6a", "2026-08-17", _by_since("v2.9.0"), MESSAGES_MASTER),
)
MASTER = REVISIONS[-1]


def revision(version: str) -> Revision:
    """The kickstart a tag (or `master`) names: the newest revision at or before it."""
    if version.strip().lower() == "master":
        return MASTER
    parsed = versions.parse(version, "--kickstart-version")
    if parsed < versions.parse(OLDEST):
        from audit.plumbing.errors import AuditError

        raise AuditError(f"--kickstart-version {version}: modelled from {OLDEST} (v1.32's legacy kickstart sent "
                         "another body)")
    return [r for r in REVISIONS if r.commit is None and versions.parse(r.name) <= parsed][-1]


def revision_note(version: str) -> str | None:
    """What the tool says on stderr when --kickstart-version is not itself a modelled revision."""
    if version.strip().lower() == "master":
        return None
    return versions.mapping_note(version, revision(version).name, NEWEST_TAG, "kickstart",
                                 f"or use --kickstart-version master ({MASTER.commit}, {MASTER.date})")


def variant(version: str) -> Variant:
    return revision(version).variant


# Options that set NETDATA_COMMAND, by naming scheme (v1.37-v1.38 assigned it directly; v1.39+ via set_action).
_ACTIONS = {
    "v1.37": {"--reinstall": "reinstall", "--reinstall-even-if-unsafe": "unsafe-reinstall",
              "--claim-only": "claim-only", "--uninstall": "uninstall", "--reinstall-clean": "reinstall-clean",
              "--repositories-only": "repositories", "--prepare-offline-install-source": "prepare-offline"},
    "set_action": {"--reinstall": "reinstall", "--reinstall-even-if-unsafe": "unsafe-reinstall",
                   "--reinstall-clean": "reinstall-clean", "--uninstall": "uninstall", "--claim-only": "claim",
                   "--repositories-only": "repositories-only",
                   "--prepare-offline-install-source": "prepare-offline"},
}
_REQUESTED_TYPE = {"--native-only": "native", "--static-only": "static", "--build-only": "build",
                   "--repositories-only": "native"}
_INSTALL_TYPES = ("native", "static", "build", "auto", "any")
# Options followed by a value kickstart consumes (so the value is not read as an option).
_TAKES_VALUE = frozenset({
    "--release-channel", "--auto-update-type", "--auto-update-method", "--install-prefix", "--old-install-prefix",
    "--install-major-version", "--install-version", "--distro-override", "--install-type", "--claim-token",
    "--claim-rooms", "--claim-url", "--claim-proxy", "--claim-id", "--claim-user", "--claim-hostname",
    "--local-build-options", "--static-install-options", "--prepare-offline-install-source",
    "--offline-architecture", "--offline-install-source",
})


@dataclass(frozen=True)
class OptionState:
    """What parsing the command line leaves in the variables the body reads (None: the option was not given)."""
    release_channel: str
    auto_updates: str
    command: str
    interactive: str | None
    disable_telemetry: bool
    dry_run: bool
    method: str  # SELECTED_INSTALL_METHOD once the options are parsed


def parse_options(words: Sequence[str], var: Variant) -> OptionState:
    """kickstart's parse loop, reduced to what reaches the body; words are `$@` (kickstart splits `$@` unquoted, so
    the words of its joined command line)."""
    channel = "nightly" if var.legacy_defaults else "default"
    updates = "1" if var.legacy_defaults else "default"
    command, interactive, disabled, dry, requested = "default", None, False, False, "auto"
    actions = _ACTIONS.get(var.action_names, {})
    i = 0
    while i < len(words):
        word, nxt = words[i], words[i + 1] if i + 1 < len(words) else ""
        if word in ("--dont-wait", "--non-interactive"):
            interactive = "0"
        elif word == "--interactive":
            interactive = "1"
        elif word == "--stable-channel":
            channel = "stable"
        elif word == "--nightly-channel" and var.channel_options:
            channel = "nightly"
        elif word == "--release-channel" and var.channel_options and nxt.lower() in ("nightly", "stable", "default"):
            channel = nxt.lower()
        elif word == "--no-updates":
            updates = "0"
        elif word == "--auto-update":
            updates = "1"
        elif word == "--disable-telemetry":
            disabled = True
        elif word == "--dry-run":
            dry = True
        elif word in _REQUESTED_TYPE and (var.action_names == "set_action" or word != "--repositories-only"):
            requested = _REQUESTED_TYPE[word]
        elif word == "--install-type" and var.method_rule == "requested" and nxt in _INSTALL_TYPES:
            requested = nxt
        if word in actions:
            command = actions[word]
        i += 2 if word in _TAKES_VALUE and (var.channel_options or word != "--release-channel") else 1
    method = requested if var.method_rule == "requested" or requested != "auto" else "none"
    return OptionState(channel, updates, command, interactive, disabled, dry, method)


def render(var: Variant, event: str, message: str, code: str, values: Mapping[str, str], api_key: str) -> bytes:
    """The heredoc: 2-space indent at the top, 4 inside properties, no escaping, no trailing newline (command
    substitution strips it)."""
    top = ([f'  "api_key": "{api_key}",'] if var.api_key else []) + [f'  "event": "{event}",', '  "properties": {']
    props = [f'    "{key}": "{property_text(key, message, code, values)}"' for key in var.properties]
    text = "\n".join(["{", *top, ",\n".join(props), "  }", "}"])
    return text.encode("utf-8", "surrogateescape")


def property_text(key: str, message: str, code: str, values: Mapping[str, str]) -> str:
    source = PROPERTY_SOURCE[key]
    kind, _, name = source.partition(":")
    if kind == "const":
        return name
    if kind == "arg":
        return message if name == "2" else code
    return values[name]
