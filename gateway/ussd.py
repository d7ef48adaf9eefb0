"""USSD callback (POST /ussd) and AT's end-of-session notifications (POST /ussd/events)."""
