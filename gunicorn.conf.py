"""gunicorn's settings for the portal, read from the working directory by
``gunicorn mwsportal.wsgi`` (or named with ``-c gunicorn.conf.py``).

gunicorn's default sync worker serves one connection at a time and waits for a client to send its
whole request, so a few clients that connect and send slowly take every worker and the portal
stops answering. The threaded worker keeps a connection that has sent nothing in its poller
without tying up a thread, and serves each request in one of ``threads`` threads, so slow clients
cost at most the threads they trickle into while the other threads keep answering.
"""

worker_class = "gthread"
# Per worker process. The portal's requests wait on the database and the cache more than they
# use the CPU, so threads beyond the CPU count still add capacity.
threads = 16
# A kept-alive connection that sends nothing more is closed after this long.
keepalive = 5
