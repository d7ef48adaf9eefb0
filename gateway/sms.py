"""Incoming SMS (POST /sms/incoming) and delivery reports (POST /sms/delivery)."""
