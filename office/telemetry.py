"""The measurements a process takes as it works, for /metrics: USSD hop time, delivery-report lag and
webhook refusals.

They are prometheus-client instruments. With PROMETHEUS_MULTIPROC_DIR set (several gunicorn workers, or
workers and web on one machine), every process writes its own figures there and /metrics adds them up;
without it each process counts for itself, which is right for a single process and for tests. Figures
that a database or Redis query answers truly for every machine at once (messages per state, queue depths,
send rate) are not taken here: /metrics asks for them when it is read.
"""
from prometheus_client import Counter
from prometheus_client import Histogram

USSD_HOP_SECONDS = Histogram(
    "lekas_ussd_hop_seconds", "Time to answer one USSD hop, from request to screen.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0))
DELIVERY_REPORT_LAG_SECONDS = Histogram(
    "lekas_delivery_report_lag_seconds", "From a message handed to the provider to its final delivery report.",
    ["outcome"], buckets=(5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 48 * 3600))
WEBHOOK_REFUSALS = Counter(
    "lekas_webhook_refusals", "Telco webhook requests answered with an error status.", ["webhook", "status"])
