"""The installer channel: kickstart.sh's `telemetry_event`.

channel.py is what the registry loads (build, events, …); options.py the CLI options, light enough for every
command line to read."""
