"""A local telco that behaves like Africa's Talking: SMS API, delivery reports, USSD and a phone page."""
