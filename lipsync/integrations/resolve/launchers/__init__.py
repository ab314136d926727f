"""Launcher templates: ``launcher.py`` and ``launcher.lua``, written into Resolve's Scripts
folders by ``lipsync resolve install`` with the ``@LIPSYNC_…@`` placeholders filled in."""
