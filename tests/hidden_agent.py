"""Run the CLI in a child process blind to a Netdata installed on this machine (as the `no_installed_agent` fixture
does in-process), so a test's verdict never depends on the host's packages: `[sys.executable, *CLI, args...]`."""

CLI = ("-c", "import sys, audit.facts.installed as i; i.BINARY_PATHS = i.SCRIPT_PATHS = (); "
             "i.DPKG_INFO = '/nonexistent'; from audit.faces.cli import main; sys.exit(main(sys.argv[1:]))")
