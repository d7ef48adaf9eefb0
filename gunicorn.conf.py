"""What every gunicorn serving Lekas must do, whoever starts it; where it listens, how many workers and where
the access log goes stay on each Procfile's `web:` line.

gunicorn would read this file by itself from the working directory, but the Procfiles name it with
`--config`: run anywhere else, the line then stops with "'gunicorn.conf.py' doesn't exist" instead of
serving with the settings below silently lost, and a platform's GUNICORN_CMD_ARGS cannot swap in another
file (a `--config` on the command line wins over one there).
"""

# gunicorn 27 opens a control socket by default at one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl), so the last instance started by that user takes it over from every other one.
# Lekas does not use gunicornc; the master still obeys its signals (HUP, TTIN, TTOU, TERM).
control_socket_disable = True

# The path without its query string: the telco webhooks carry ?token=<CALLBACK_TOKEN> and API calls
# carry phone numbers (?phone=). No referrer either: it is a URL with a query string of its own.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
