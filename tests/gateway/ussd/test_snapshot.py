"""The catalog snapshot: read once a minute per process, with the layouts of the screens drawn from it alone."""
from gateway.ussd import snapshot
from tests.helpers import new_application

PHONE = "+6281234567001"


def hop(client, text, session):
    return client.post("/ussd", data={"sessionId": session, "phoneNumber": PHONE, "text": text}).text


def test_catalog_screens_are_laid_out_once_per_snapshot_and_a_status_never(client):
    snapshot.forget()
    hop(client, "1*1", "a")
    hop(client, "1*1", "b")
    layouts = snapshot.current().layouts
    assert sorted(key[0] for key in layouts) == ["main", "service", "services"]
    reference = new_application(phone=PHONE).reference
    assert "B*** S******" in hop(client, f"2*{reference}", "c")
    assert "status" not in {key[0] for key in snapshot.current().layouts}
    snapshot.forget()
    assert snapshot.current().layouts == {}
