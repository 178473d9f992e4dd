"""Account linking: the OAuth 2.0 authorization server Alexa links accounts with.

``linking_codes`` makes and checks the codes clinic staff hand out (pure);
``server`` holds Authlib's authorization server, its grants (which only fill
storage hooks) and the token check the skill uses; ``blueprint`` the pages and
endpoints under ``/oauth``; ``commands`` is ``aftercare oauth``. This file
imports nothing, so that ``aftercare`` loads the web stack only for the command
that needs it.
"""
