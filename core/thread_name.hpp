#pragma once
// Names the calling thread as top, ps -L and perf show it (at most 15 bytes; longer is cut).
#include <pthread.h>

#include <string>
#include <string_view>

namespace sluice {
inline void name_this_thread(std::string_view name) {
  std::string n(name.substr(0, 15));
  pthread_setname_np(pthread_self(), n.c_str());
}
}  // namespace sluice
