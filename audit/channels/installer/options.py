"""The installer channel's command-line options (data, read by every command line)."""

# (name, metavar, help) added to the shared "event parameters" group
OPTIONS = (
    ("install-options", "TEXT", "installer: kickstart's command line (default: REINSTALL_OPTIONS recorded in "
     "<config-dir>/.environment, else empty)"),
    ("kickstart-version", "TAG|master", "installer: which kickstart.sh, a tag or master (default: master, what runs "
     "today)"),
    ("interactivity", "0|1", "installer: install_interactivity (default: from the options, else 1, a terminal)"),
    ("auto-updates", "VALUE", "installer: install_auto_updates (default: from the options)"),
    ("release-channel", "CHANNEL", "installer: netdata_release_channel (default: from the options)"),
    ("install-command", "COMMAND", "installer: install_command (default: from the options)"),
    ("install-method", "METHOD", "installer: selected_install_method: native, static, build (default: from "
     "<config-dir>/.install-type, else none)"),
    ("install-type", "TYPE", "installer: netdata_install_type, e.g. binpkg-deb, kickstart-static (default: "
     "<config-dir>/.install-type, else unknown)"),
    ("runtime", "SECONDS", "installer: total_runtime (default 0)"),
    ("message", "TEXT", "INSTALL_FAILED: the error message"),
    ("error-code", "CODE", "INSTALL_FAILED: the error code, e.g. F0003"),
    ("exit-code", "CODE", "INSTALL_CRASH: the exit code or signal number (default 0); the line is --line"),
)
