"""Cloud error codes as data: netdata-claim.sh exit codes and libwebsockets callback reasons.

Claim codes: v1.37.0 claim/netdata-claim.sh.in (same logic to v1.47); kickstart.sh explains each after a failed
claim (v2.5.0 packaging/installer/kickstart.sh:1328-1346). No backend telemetry event carries a claim code: the
daemon never reports claim results and kickstart only warns. ACLK_CONN_FAIL (legacy cloud link, v1.21-v1.32)
carries the last libwebsockets callback reasons, newest first; LWS_REASONS decodes them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ClaimCode:
    code: int
    key: str  # errorMsgKey from the cloud's response, or what the script checks
    message: str
    http: int | None
    kickstart: str  # what kickstart.sh tells the user


CLAIM_CODES: tuple[ClaimCode, ...] = tuple(ClaimCode(*row) for row in (
    (0, "OK", "success", 204, "Successfully claimed node"),
    (1, "-", "unknown argument (or wget with a SOCKS proxy)", None,
     "invalid claiming options; probably a bug"),
    (2, "-", "claiming directory or key problem", None,
     "could not create the claiming directory or prepare the claiming key (check openssl and cloud.d)"),
    (3, "-", "missing dependencies or built without cloud support", None,
     "missing dependencies; usually the agent was built without Netdata Cloud support"),
    (4, "-", "cannot connect to the claiming endpoint", None,
     "cannot connect to the claim URL: wrong URL or network problems (in practice unreachable: a retry bug "
     "makes the script end with 7)"),
    (5, "-", "claimed, but netdatacli could not notify the running agent", None,
     "claimed, but the agent was not notified: restart it"),
    (6, "-", "wrong user (not root, not the netdata user)", None, "unknown reason"),
    (7, "None", "unknown HTTP error message", 422, "unknown reason: networking problems or a bug"),
    (8, "ErrInvalidNodeID", "invalid node id", 422,
     "invalid agent ID: remove registry/netdata.public.unique.id and restart the agent"),
    (9, "ErrInvalidNodeName", "invalid node name", 422, "invalid node name: empty or only whitespace"),
    (10, "ErrInvalidRoomID", "invalid room id", 422, "invalid room ID: check --claim-rooms"),
    (11, "ErrInvalidPublicKey", "invalid public key", 422, "RSA key problem: clear cloud.d and retry"),
    (12, "ErrForbidden", "token expired/token not found/invalid token", 403,
     "invalid or expired claiming token: check --claim-token"),
    (13, "ErrAlreadyClaimed", "already claimed", 409,
     "the Cloud thinks this node is already claimed: remove the unique id (cloned VM?) or use --claim-id"),
    (14, "ErrProcessingClaim", "processing claiming", 102, "claim already in progress; nothing to do"),
    (15, "ErrInternalServerError", "Internal Server Error", 500, "internal server error in the Cloud: retry later"),
    (16, "ErrGatewayTimeout", "Gateway Timeout", 504, "internal server error in the Cloud: retry later"),
    (17, "ErrServiceUnavailable", "Service Unavailable", 503, "internal server error in the Cloud: retry later"),
    (18, "-", "agent unique id not generated yet", None, "no unique ID yet: start the agent, then retry"),
))

# enum lws_callback_reasons (libwebsockets include/libwebsockets/lws-callbacks.h)
LWS_REASONS: dict[int, str] = {
    0: "ESTABLISHED", 1: "CLIENT_CONNECTION_ERROR", 2: "CLIENT_FILTER_PRE_ESTABLISH", 3: "CLIENT_ESTABLISHED",
    4: "CLOSED", 5: "CLOSED_HTTP", 6: "RECEIVE", 7: "RECEIVE_PONG", 8: "CLIENT_RECEIVE", 9: "CLIENT_RECEIVE_PONG",
    10: "CLIENT_WRITEABLE", 11: "SERVER_WRITEABLE", 12: "HTTP", 13: "HTTP_BODY", 14: "HTTP_BODY_COMPLETION",
    15: "HTTP_FILE_COMPLETION", 16: "HTTP_WRITEABLE", 17: "FILTER_NETWORK_CONNECTION", 18: "FILTER_HTTP_CONNECTION",
    19: "SERVER_NEW_CLIENT_INSTANTIATED", 20: "FILTER_PROTOCOL_CONNECTION",
    21: "OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS", 22: "OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS",
    23: "OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION", 24: "CLIENT_APPEND_HANDSHAKE_HEADER",
    25: "CONFIRM_EXTENSION_OKAY", 26: "CLIENT_CONFIRM_EXTENSION_SUPPORTED", 27: "PROTOCOL_INIT",
    28: "PROTOCOL_DESTROY", 29: "WSI_CREATE", 30: "WSI_DESTROY", 31: "GET_THREAD_ID", 32: "ADD_POLL_FD",
    33: "DEL_POLL_FD", 34: "CHANGE_MODE_POLL_FD", 35: "LOCK_POLL", 36: "UNLOCK_POLL",
    37: "OPENSSL_CONTEXT_REQUIRES_PRIVATE_KEY", 38: "WS_PEER_INITIATED_CLOSE", 39: "WS_EXT_DEFAULTS", 40: "CGI",
    41: "CGI_TERMINATED", 42: "CGI_STDIN_DATA", 43: "CGI_STDIN_COMPLETED", 44: "ESTABLISHED_CLIENT_HTTP",
    45: "CLOSED_CLIENT_HTTP", 46: "RECEIVE_CLIENT_HTTP", 47: "COMPLETED_CLIENT_HTTP", 48: "RECEIVE_CLIENT_HTTP_READ",
    49: "HTTP_BIND_PROTOCOL", 50: "HTTP_DROP_PROTOCOL", 51: "CHECK_ACCESS_RIGHTS", 52: "PROCESS_HTML",
    53: "ADD_HEADERS", 54: "SESSION_INFO", 55: "GS_EVENT", 56: "HTTP_PMO", 57: "CLIENT_HTTP_WRITEABLE",
    58: "OPENSSL_PERFORM_SERVER_CERT_VERIFICATION", 59: "RAW_RX", 60: "RAW_CLOSE", 61: "RAW_WRITEABLE",
    62: "RAW_ADOPT", 63: "RAW_ADOPT_FILE", 64: "RAW_RX_FILE", 65: "RAW_WRITEABLE_FILE", 66: "RAW_CLOSE_FILE",
    67: "SSL_INFO", 69: "CHILD_CLOSING", 70: "CGI_PROCESS_ATTACH", 71: "EVENT_WAIT_CANCELLED",
    72: "VHOST_CERT_AGING", 73: "TIMER", 74: "VHOST_CERT_UPDATE", 75: "CLIENT_CLOSED",
    76: "CLIENT_HTTP_DROP_PROTOCOL", 77: "WS_SERVER_BIND_PROTOCOL", 78: "WS_SERVER_DROP_PROTOCOL",
    79: "WS_CLIENT_BIND_PROTOCOL", 80: "WS_CLIENT_DROP_PROTOCOL", 81: "RAW_SKT_BIND_PROTOCOL",
    82: "RAW_SKT_DROP_PROTOCOL", 83: "RAW_FILE_BIND_PROTOCOL", 84: "RAW_FILE_DROP_PROTOCOL",
    85: "CLIENT_HTTP_BIND_PROTOCOL", 86: "HTTP_CONFIRM_UPGRADE",
}


def lws_reason(code: int) -> str:
    name = LWS_REASONS.get(code)
    return f"LWS_CALLBACK_{name}" if name else "unknown callback reason"
