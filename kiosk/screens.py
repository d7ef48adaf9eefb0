"""The kiosk's screens at /kiosk/."""
