"""The statistics script's request body, byte for byte (anonymous-statistics.sh.in, v1.43 to v2.5).

The script builds its body with an unquoted heredoc: every value is pasted in as is. Nothing is escaped, so a
value holding `"` or `\\` (or an empty raw value) yields bytes that are not valid JSON; we reproduce them anyway.
"""

from collections.abc import Mapping, Sequence

from audit.plumbing import versions
from audit.channels.backend import releases

# (property, form, input). Forms: "const" the literal text; "quoted" wrapped in "..."; "raw" pasted unquoted;
# "collectors" the special host_collectors array. Inputs: "const:<text>", "action", "result", "data",
# "guid", "version", "distinct_id", "env:<NAME>" (from system-info.sh), "arg:<N>" (daemon argument N).
TEMPLATE: tuple[tuple[str, str, str], ...] = (
    ("distinct_id", "quoted", "guid"),
    ("$current_url", "const", "const:agent backend"),
    ("$pathname", "const", "const:netdata-backend"),
    ("$host", "const", "const:backend.netdata.io"),
    ("$ip", "const", "const:127.0.0.1"),
    ("event_source", "const", "const:agent backend"),
    ("action", "quoted", "action"),
    ("action_result", "quoted", "result"),
    ("action_data", "quoted", "data"),
    ("netdata_machine_guid", "quoted", "guid"),
    ("netdata_version", "quoted", "version"),
    ("netdata_buildinfo", "raw", "arg:14"),
    ("netdata_release_channel", "raw", "arg:19"),
    ("netdata_install_type", "raw", "arg:38"),
    ("netdata_prebuilt_distro", "raw", "arg:42"),
    ("host_os_name", "quoted", "env:NETDATA_HOST_OS_NAME"),
    ("host_os_id", "quoted", "env:NETDATA_HOST_OS_ID"),
    ("host_os_id_like", "quoted", "env:NETDATA_HOST_OS_ID_LIKE"),
    ("host_os_version", "quoted", "env:NETDATA_HOST_OS_VERSION"),
    ("host_os_version_id", "quoted", "env:NETDATA_HOST_OS_VERSION_ID"),
    ("host_os_detection", "quoted", "env:NETDATA_HOST_OS_DETECTION"),
    ("host_is_k8s_node", "quoted", "env:NETDATA_HOST_IS_K8S_NODE"),
    ("system_kernel_name", "quoted", "env:NETDATA_SYSTEM_KERNEL_NAME"),
    ("system_kernel_version", "quoted", "env:NETDATA_SYSTEM_KERNEL_VERSION"),
    ("system_architecture", "quoted", "env:NETDATA_SYSTEM_ARCHITECTURE"),
    ("system_virtualization", "quoted", "env:NETDATA_SYSTEM_VIRTUALIZATION"),
    ("system_virt_detection", "quoted", "env:NETDATA_SYSTEM_VIRT_DETECTION"),
    ("system_container", "quoted", "env:NETDATA_SYSTEM_CONTAINER"),
    ("system_container_detection", "quoted", "env:NETDATA_SYSTEM_CONTAINER_DETECTION"),
    ("system_distinct_id", "quoted", "distinct_id"),
    ("container_os_name", "quoted", "env:NETDATA_CONTAINER_OS_NAME"),
    ("container_os_id", "quoted", "env:NETDATA_CONTAINER_OS_ID"),
    ("container_os_id_like", "quoted", "env:NETDATA_CONTAINER_OS_ID_LIKE"),
    ("container_os_version", "quoted", "env:NETDATA_CONTAINER_OS_VERSION"),
    ("container_os_version_id", "quoted", "env:NETDATA_CONTAINER_OS_VERSION_ID"),
    ("container_os_detection", "quoted", "env:NETDATA_CONTAINER_OS_DETECTION"),
    ("container_is_official_image", "raw", "env:NETDATA_CONTAINER_IS_OFFICIAL_IMAGE"),
    ("system_cpu_detection", "quoted", "env:NETDATA_SYSTEM_CPU_DETECTION"),
    ("system_cpu_freq", "quoted", "env:NETDATA_SYSTEM_CPU_FREQ"),
    ("system_cpu_logical_cpu_count", "quoted", "env:NETDATA_SYSTEM_CPU_LOGICAL_CPU_COUNT"),
    ("system_cpu_model", "quoted", "env:NETDATA_SYSTEM_CPU_MODEL"),
    ("system_cpu_vendor", "quoted", "env:NETDATA_SYSTEM_CPU_VENDOR"),
    ("system_disk_detection", "quoted", "env:NETDATA_SYSTEM_DISK_DETECTION"),
    ("system_ram_detection", "quoted", "env:NETDATA_SYSTEM_RAM_DETECTION"),
    ("system_total_disk_size", "quoted", "env:NETDATA_SYSTEM_TOTAL_DISK_SIZE"),
    ("system_total_ram", "quoted", "env:NETDATA_SYSTEM_TOTAL_RAM"),
    ("config_stream_enabled", "raw", "arg:4"),
    ("config_memory_mode", "raw", "arg:5"),
    ("config_page_cache_size", "raw", "arg:15"),
    ("config_multidb_disk_quota", "raw", "arg:16"),
    ("config_https_enabled", "raw", "arg:17"),
    ("config_https_available", "raw", "arg:37"),
    ("config_web_enabled", "raw", "arg:18"),
    ("config_exporting_enabled", "raw", "arg:6"),
    ("config_is_parent", "raw", "arg:29"),
    ("config_is_private_registry", "raw", "arg:39"),
    ("config_private_registry_used", "raw", "arg:40"),
    ("config_hosts_available", "raw", "arg:30"),
    ("config_oom_score", "raw", "arg:41"),
    ("alarms_normal", "raw", "arg:24"),
    ("alarms_warning", "raw", "arg:25"),
    ("alarms_critical", "raw", "arg:26"),
    ("host_charts_count", "raw", "arg:27"),
    ("host_metrics_count", "raw", "arg:28"),
    ("host_collectors", "collectors", "arg:12"),
    ("host_collectors_count", "raw", "arg:13"),
    ("host_notification_methods", "raw", "arg:23"),
    ("host_allmetrics_prometheus_used", "raw", "arg:8"),
    ("host_allmetrics_shell_used", "raw", "arg:9"),
    ("host_allmetrics_json_used", "raw", "arg:10"),
    ("host_dashboard_used", "raw", "arg:11"),
    ("host_cloud_available", "raw", "arg:31"),
    ("host_cloud_enabled", "raw", "arg:36"),
    ("host_agent_claimed", "raw", "arg:35"),
    ("host_aclk_available", "raw", "arg:32"),
    ("host_aclk_protocol", "raw", "arg:33"),
    ("host_aclk_implementation", "raw", "arg:34"),
    ("mirrored_host_count", "raw", "arg:20"),
    ("mirrored_hosts_reachable", "raw", "arg:21"),
    ("mirrored_hosts_unreachable", "raw", "arg:22"),
    ("exporting_connectors", "raw", "arg:7"),
    ("netdata_fail_reason", "raw", "arg:43"),
)

ALL_ZERO_GUID = "00000000-0000-0000-0000-000000000000"
SYSTEM_INFO_NAMES = tuple(src[4:] for _, _, src in TEMPLATE if src.startswith("env:"))


def system_info_value(name: str, value: str | None, version: str) -> str:
    """What the daemon exports after reading `NAME=value` from system-info.sh's output.

    <= v2.2: fgets(line, 200) keeps 199 bytes of the line (name, '=' and value); v2.3+: fgets(line, 1023)
    keeps 1022 and cuts the value at the first carriage return. The rest of a long line is read as another
    line with an unknown name and dropped.
    """
    if value is None:
        return ""
    modern = versions.parse(version)[:2] >= (2, 3)
    return _daemon_reads(value, modern, len(name) + 1)


def _daemon_reads(value: str, modern: bool, prefix: int) -> str:
    room = (1022 if modern else 199) - prefix
    raw = value.encode("utf-8", "surrogateescape")[:max(room, 0)]
    text = raw.decode("utf-8", "surrogateescape")
    if modern:
        text = text.split("\r", 1)[0]
    return text


def shell_echo(data: str, shell: str) -> str:
    """`$(echo "$ACTION_DATA" | tr '"' "'")` as the script's /bin/sh runs it.

    dash's echo interprets backslash escapes (\\c ends the output); bash's does not. Both take a lone `-n`
    as an option. Command substitution drops NUL bytes and strips trailing newlines.
    """
    if data == "-n" or (shell == "bash" and data in ("-e", "-E", "-ne", "-en")):
        out = ""
    elif shell == "dash":
        out, stopped = _dash_escapes(data)
        out += "" if stopped else "\n"
    else:
        out = data + "\n"
    return out.replace("\0", "").replace('"', "'").rstrip("\n")


_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def _dash_escapes(text: str) -> tuple[str, bool]:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch != "\\" or not nxt:
            out.append(ch)
            i += 1
        elif nxt == "c":
            return "".join(out), True
        elif nxt in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[nxt])
            i += 2
        elif nxt == "0":
            j = i + 2
            while j < len(text) and j < i + 5 and text[j] in "01234567":
                j += 1
            byte = int(text[i + 2:j] or "0", 8) & 0xFF
            out.append(chr(byte) if byte < 0x80 else chr(0xDC00 + byte))  # a raw byte, kept as surrogateescape
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out), False


LATEST = releases.SCRIPT_LAYOUTS[-1]


def script_body(argv: Sequence[str], env: Mapping[str, str], system_distinct_id: str, shell: str,
                layout: releases.ScriptLayout = LATEST) -> bytes:
    """The body anonymous-statistics.sh builds from its 43 arguments and its environment.

    `env` holds what the daemon exported (unset names read as empty); `system_distinct_id` is what the script
    derives from the machine; `shell` is what /bin/sh is ("dash" or "bash"); `layout` the release's template.
    """
    return render(script_inputs(argv, env, system_distinct_id, shell, layout), argv[3:], layout)


def script_inputs(argv: Sequence[str], env: Mapping[str, str], system_distinct_id: str, shell: str,
                  layout: releases.ScriptLayout = LATEST) -> dict[str, str]:
    """The script's variables as its heredoc sees them (everything but the 40 raw arguments)."""
    guid = env.get("NETDATA_REGISTRY_UNIQUE_ID", "")
    inputs = {
        "action": argv[0], "result": argv[1], "data": shell_echo(argv[2], shell),
        "guid": guid or (ALL_ZERO_GUID if layout.zero_guid_default else ""),
        "version": env.get("NETDATA_VERSION", ""),
        "distinct_id": system_distinct_id,
    }
    inputs.update({f"env:{name}": env.get(name, "") for name in SYSTEM_INFO_NAMES})
    return inputs


def template(layout: releases.ScriptLayout = LATEST) -> tuple[tuple[str, str, str], ...]:
    """The properties of this release's script, in order."""
    return tuple(row for row in TEMPLATE if row[0] not in layout.without)


def render(inputs: Mapping[str, str], args: Sequence[str], layout: releases.ScriptLayout = LATEST) -> bytes:
    """The heredoc, filled: `inputs` by template input name, `args` the 40 daemon arguments (args[0] is arg 4)."""
    lines = ["{", *layout.header, f'    "event": "{inputs["action"]} {inputs["result"]}",', '    "properties": {']
    rows = template(layout)
    last = len(rows) - 1
    for index, (key, form, source) in enumerate(rows):
        comma = "" if index == last else ","
        value = input_text(source, inputs, args)
        if form == "collectors":
            lines += [f'        "{key}":[', f"            {value}", f"        ]{comma}"]
        elif form == "raw":
            lines.append(f'        "{key}": {value}{comma}')
        else:
            lines.append(f'        "{key}": "{value}"{comma}')
    lines += ["  }", "}"]
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def input_text(source: str, inputs: Mapping[str, str], args: Sequence[str]) -> str:
    if source.startswith("const:"):
        return source[6:]
    if source.startswith("arg:"):
        return args[int(source[4:]) - 4]
    return inputs.get(source, "")
