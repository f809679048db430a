"""The dashboard channel's command-line options (data, read by every command line)."""

OPTIONS = (
    ("feature", "NAME", "dashboard telemetry-push: the view or action (default NodesView; e.g. Overview, "
     "AlertsActive, url-hash-error)"),
    ("registry-cookie", "VALUE", "dashboard telemetry-push: the browser's registry cookie (netdata_registry_id=GUID or "
     "the GUID): the person GUID the push carries (default: none known, marked)"),
    ("tab", "TAB", "dashboard telemetry-push: the route's last part (default nodes)"),
    ("page-url", "URL", "dashboard telemetry-push: window.location.href as the browser has it (default: the "
     "--agent-url and the view's route)"),
    ("timestamp", "ISO8601", "dashboard telemetry-push: @timestamp (default: now)"),
    ("session-id", "ID", "dashboard telemetry-push: the browser tab's session id (default: an all-zero stand-in)"),
)
