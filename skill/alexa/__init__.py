"""The Alexa edge: the endpoint, request verification, Alexa's APIs and slot values."""
