#pragma once
// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice for port 0), for test
// servers. Another process may take it before it is used: servers that fail to bind should be
// restarted on a new port.
namespace sluice::testing {

int free_tcp_port();

}  // namespace sluice::testing
