# Lip Sync for DaVinci Resolve: Workspace > Scripts > Lip Sync.
# Written by `lipsync resolve install` (lipsync @LIPSYNC_VERSION@); `lipsync resolve uninstall`
# removes it. It lip-syncs the current timeline with lipsync's own Python (below), so the
# Python Resolve runs this file with only needs 3.7 or later and nothing installed.
# Template: the @LIPSYNC_...@ values are filled in when installed.
# It must compile on any Python 3 Resolve may use, hence no f-strings and the version test:
# ruff: noqa: UP032, UP036
import sys

LIPSYNC_PYTHON = "@LIPSYNC_PYTHON@"  # the interpreter of lipsync's environment
LIPSYNC_PATH = "@LIPSYNC_PATH@"  # the folder holding the lipsync package
INSTALLED_BY = "lipsync resolve install"


def lip_sync(scope):
    if sys.version_info < (3, 7):
        print(
            "Lip Sync: Resolve runs this script with Python {}.{}, too old for Lip Sync's "
            "bridge: install Python 3.7 or later, or use 'Lip Sync (Lua)'.".format(
                *sys.version_info[:2]
            )
        )
        return None
    sys.path.insert(0, LIPSYNC_PATH)
    try:
        from lipsync.integrations.resolve import bridge
    except Exception as e:
        print(
            "Lip Sync: lipsync cannot be found in '{}' ({}): run `lipsync resolve install` "
            "again from the environment lipsync is installed in.".format(LIPSYNC_PATH, e)
        )
        return None
    finally:
        if LIPSYNC_PATH in sys.path:
            sys.path.remove(LIPSYNC_PATH)
    return bridge.run_from_resolve(scope, LIPSYNC_PYTHON)


if not LIPSYNC_PYTHON.startswith("@"):  # the installed copy, not the template
    lip_sync(globals())
