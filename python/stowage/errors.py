"""The one exception type for mistakes a user can fix.

Anything else that escapes a program is a bug and shows its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the input: printed as ``<program>: error: <message>``."""
