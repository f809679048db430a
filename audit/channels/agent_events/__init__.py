"""The agent-events channel (v2.4 and later): the daemon's post, at each start, of how its previous run ended.

channel.py is what the registry loads (build, build_saved, …); options.py the CLI options, light enough for every
command line to read."""
