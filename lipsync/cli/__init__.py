"""The ``lipsync`` command line: click commands, one module per command, no logic beyond
parsing, progress and messages."""
