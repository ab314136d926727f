"""DaVinci Resolve: a Workspace > Scripts action that lip-syncs the current timeline.

The action is a thin bridge over the OTIO round trip (``lipsync timeline render``):

- :mod:`.layout`     where Resolve's Scripts folders and our settings file are, per OS (pure)
- :mod:`.command`    the helper's command line and the progress lines it prints (pure)
- :mod:`.settings`   the choices kept between runs (a small JSON file)
- :mod:`.placement`  where each render goes back: AppendToTimeline values (pure, OTIO)
- :mod:`.job`        the helper the launchers run out of process, in lipsync's environment
- :mod:`.bridge`     the action inside Resolve, the only code calling Resolve's API
- :mod:`.dialog`     UIManager dialogs, or the console where Resolve offers none
- :mod:`.installer`, :mod:`.doctor`  `lipsync resolve install|uninstall|doctor`
- ``launchers/``     the Python and Lua launcher templates written into the Scripts folders

``layout``, ``command``, ``settings``, ``dialog`` and ``bridge`` run inside Resolve's own
Python: they use the standard library only and Python 3.7 syntax.
"""
