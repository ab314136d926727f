"""The engine: media, speech analysis, face tracking, rendering. Imports nothing from cli,
integrations or otio_adapters."""
