"""The agent-events channel's command-line options and their defaults (data, read by every command line)."""

STATUS_FILE = "status-netdata.json"  # what the daemon saves in its lib dir
DEFAULT_PID = 4242  # agent_pid_now: getpid() of the next start, unknowable beforehand; this stand-in is stated
DEFAULT_SIGNAL = "SIGSEGV/SEGV_MAPERR"

# (name, metavar, help) added to the shared "event parameters" group
OPTIONS = (
    ("status-file", "FILE", f"agent-events: the saved status file to build from (default LIB_DIR/{STATUS_FILE})"),
    ("message", "TEXT", "agent-events: the fatal message"),
    ("stack-trace", "FILE", "agent-events: a file holding the stack trace (up to 4095 bytes are kept)"),
    ("signal", "SIGNAL", f"agent-events: the deadly signal, e.g. SIGBUS or {DEFAULT_SIGNAL}"),
    ("agent-pid", "PID", f"agent-events: agent_pid_now, the next start's pid (default {DEFAULT_PID})"),
)
