"""Values from requests, as a log line may quote them: cut short.

A request can carry a 250 KB requestId or intent name; quoted whole, every rejected
request would add that much to the log. Patient data never goes through here: it
is not logged at all.
"""

MAX_LOGGED_CHARS = 100


def clipped(value: object, limit: int = MAX_LOGGED_CHARS) -> str:
    """``repr(value)``, cut to ``limit`` characters with a note of how long it was."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"
