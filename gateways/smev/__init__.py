"""SMEV 3 (message exchange 1.3) gateway of a provider: client, envelopes, safe reading.

What the rest of ЦОС uses:
    SmevClient(endpoint_url, signer=..., schema_dir=...)  gateways.smev.client
    IncomingRequest, UnreadableMessage, MessageProblem    gateways.smev.parsing
    RejectionCode                                         gateways.smev.envelopes
    SmevError and its retryable / permanent branches      gateways.smev.errors
"""
