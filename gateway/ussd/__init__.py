"""The USSD channel: AT's callbacks (routes), the menu's engine and its screens, and what a hop keeps at hand:
the session cache in Redis, the catalog snapshot and the fitting of text into 160-character screens."""
