"""The local stack's port check: a port that something listens on is taken; connections of a
stopped stack still in TIME_WAIT do not make it so (the services bind with SO_REUSEADDR)."""

import socket
import time

from pakt.cli.stack import port_is_free


def test_a_listening_port_is_taken_and_free_again_once_closed_even_in_time_wait():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    assert not port_is_free(port)

    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: its end of the connection enters TIME_WAIT
    time.sleep(0.1)
    client.close()
    server.close()
    assert _in_time_wait(port), "the test needs a connection in TIME_WAIT on the port"
    assert port_is_free(port)


def _in_time_wait(port: int) -> bool:
    """/proc/net/tcp lists sockets with local port (hex) and state (06 = TIME_WAIT)."""
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == "06":
                return True
    return False
