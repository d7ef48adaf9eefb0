"""SMS through the office's own GSM modem: Gammu's SMS daemon (gammu-smsd) and its SQL tables.

The daemon owns the modem; Lekas only reads and writes the daemon's documented tables
(`man 7 gammu-smsd-tables`) in the database GAMMU_DATABASE_URL names: it queues messages in `outbox`
(and `outbox_multipart`), follows `sentitems`, takes received messages from `inbox` and reads the modem's
state from `phones`. SQL is the whole contract; no binding to the C library is needed.
"""
