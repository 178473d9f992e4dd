"""The clinic portal: staff record their patients' treatments in server-rendered pages.

``blueprint`` holds the blueprint, its services and ``init_app``; ``auth``,
``patients`` and ``staff`` its pages; ``commands`` is ``aftercare clinic``.
This file imports nothing, so that ``aftercare`` loads the web stack only for
the command that needs it.
"""
