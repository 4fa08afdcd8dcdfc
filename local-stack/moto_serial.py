"""moto's server for the local stack's DynamoDB, handling one request at a time.

moto's own server is threaded and its DynamoDB backend takes no lock, so two concurrent
conditional writes to one item can both pass their condition, which DynamoDB never allows.
One lock around the application restores that atomicity, while the threaded server keeps its
keep-alive connections; local-stack/tests/budgets.rs fails on moto_server as shipped (thirty
racing takes of a budget of five grant seven).
"""

import sys
import threading

import moto.server

_lock = threading.Lock()
_call = moto.server.DomainDispatcherApplication.__call__


def _serial(self, environ, start_response):
    with _lock:
        # moto builds the whole answer here; materialise it inside the lock all the same.
        return list(_call(self, environ, start_response))


moto.server.DomainDispatcherApplication.__call__ = _serial
moto.server.main(sys.argv[1:])
