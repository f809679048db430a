"""The backend events that pack data into action_result / action_data (FATAL, ACLK_CONN_FAIL, EXPORTING_START),
decoded (pure; explain's per-channel decoding, docs/architecture.md)."""

import re

from audit.model.explanation import Finding
from audit.plumbing import codes, errnos

_ACTION_DATA = re.compile(rb"^(?P<line>\d{4,})@(?P<file>.{10}):(?P<function>.{15})/(?P<errno>-?\d+)$", re.DOTALL)


def decode(properties: dict, action: object) -> tuple[dict, list[Finding]]:
    """Decode action_result / action_data for the events that pack data into them."""
    result, data = properties.get("action_result"), properties.get("action_data")
    if action == "FATAL":
        return decode_fatal(result, data)
    if action == "ACLK_CONN_FAIL" and isinstance(data, str):
        return decode_aclk(data)
    if action in ("EXPORTING_START", "BACKEND_START") and isinstance(data, str):
        if result == "OK":
            return {"connector": data, "meaning": f"the {data!r} connector started"}, []
        return {"meaning": "the exporting engine failed to start" if result == "FAIL" else f"result {result!r}"}, []
    return {}, []


def decode_fatal(result: object, data: object) -> tuple[dict, list[Finding]]:
    out: dict = {}
    findings = []
    if isinstance(result, str):
        raw = result.encode("utf-8", "surrogateescape")
        process, sep, thread = result.partition(":")
        out["process"] = {"value": process, "meaning": "program name (netdata for the daemon; plugins never "
                                                       "send FATAL)"}
        out["thread"] = {"value": thread if sep else None, "meaning": _thread_meaning(thread if sep else None)}
        if len(raw) >= 59:
            out["thread"]["truncated"] = True
            out["thread"]["meaning"] += "; action_result is at its 59-byte limit, so the tag may be cut short"
        if not sep:
            findings.append(Finding("/properties/action_result", f"{result!r} is not program:thread"))
    m = _ACTION_DATA.match(data.encode("utf-8", "surrogateescape")) if isinstance(data, str) else None
    if m:
        file_b, func_b = m["file"], m["function"]
        file, function = _s(file_b).rstrip(" "), _s(func_b).rstrip(" ")
        code = int(m["errno"])
        out["line"] = {"value": int(m["line"]), "meaning": "source line of the fatal() call (zero padded to 4 "
                                                           "digits when sent)"}
        out["file"] = {"value": file, "complete": file_b.endswith(b" "),
                       "meaning": "the whole source file path (shorter than 10 bytes, padded with spaces when sent)"
                       if file_b.endswith(b" ") else
                       "first 10 bytes of the source file path as the compiler saw it (the rest is not sent)"}
        out["function"] = {"value": function, "complete": func_b.endswith(b" "),
                           "meaning": "the whole function name (shorter than 15 bytes, padded with spaces when "
                                      "sent)" if func_b.endswith(b" ") else
                           "first 15 bytes of the name of the function that called fatal() (the rest is not sent)"}
        out["errno"] = {"value": code, "name": errnos.name(code), "message": errnos.message(code),
                        "meaning": "errno when fatal() was called" + (" (0: none was set)" if code == 0 else "")}
    elif isinstance(data, str):
        findings.append(Finding("/properties/action_data", f"{data!r} does not have FATAL's shape "
                                                           f"LINE@FILE(10 bytes):FUNCTION(15 bytes)/ERRNO"))
    return out, findings


def _thread_meaning(thread: str | None) -> str:
    if thread is None:
        return "missing"
    if thread == "RCVR":
        return "a streaming receiver thread (v1.38+ masks RCVR[<child host>] to RCVR so no host name is sent)"
    if thread == "SNDR":
        return "a streaming sender thread (v1.38+ masks SNDR[<parent host>] to SNDR so no host name is sent)"
    if thread == "[x]":
        return "a streaming receiver thread (v1.21-v1.37 mask STREAM_RECEIVER[<host>] to [x])"
    if thread == "UNKNOWN":
        return "a thread without a tag (v1.44 sends UNKNOWN)"
    return "tag of the thread that called fatal()"


def decode_aclk(data: str) -> tuple[dict, list[Finding]]:
    reasons, findings = [], []
    for part in data.split(","):
        try:
            code = int(part.strip())
        except ValueError:
            findings.append(Finding("/properties/action_data", f"{part!r} is not a libwebsockets callback reason "
                                                               f"number"))
            continue
        reasons.append({"code": code, "reason": codes.lws_reason(code)})
    return {"callbacks": reasons, "meaning": "the last libwebsockets callback reasons before the connection was "
                                             "destroyed, newest first"}, findings


def _s(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")
