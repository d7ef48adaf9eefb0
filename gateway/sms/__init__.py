"""SMS with citizens: the telco's webhooks (webhooks), reading keyword messages (keywords), what each
keyword does (commands) and the reply texts (replies)."""
