"""How a session ends when a rate limit refuses what the citizen asked: try again in so many minutes."""
from gateway.ussd.engine import State
from office.i18n import N_

TOO_MANY = N_("Too many tries. Please try again in {minutes} min.")


def refuse(state: State, retry_after: int) -> None:
    """End the session with "too many tries", saying in how many whole minutes (at least 1) to try again."""
    state.finish(TOO_MANY, minutes=max(1, -(-retry_after // 60)))
