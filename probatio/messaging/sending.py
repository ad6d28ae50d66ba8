"""Sending one message exactly once (claim, send, record, retry). To be completed."""


def deliver(message_id: int) -> str:
    raise NotImplementedError
