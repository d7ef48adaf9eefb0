"""Opting a phone out of every SMS at once: STOP, AT's opt-out callback and a telco refusing the number."""
from office import citizens
from office import outbox


def stop_all(phone: str) -> int:
    """Opt `phone` out and cancel what is still queued for it, in the current transaction.

    Cancelling here, not only at send time, means an announcement queued a minute before STOP is
    never sent even if the send job's own check were skipped. Returns how many messages were cancelled.
    """
    citizens.opt_out(phone)
    return outbox.cancel_for_phone(phone, outbox.Reason.OPTED_OUT)
