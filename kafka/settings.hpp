#pragma once
// librdkafka configuration from a plain key/value map. make_conf() is the only place a
// rd_kafka_conf_t is built, so every client gets the same error reporting, the same logging into
// the "kafka" logger, and the same handling of `bootstrap.servers=embedded` (the process's
// embedded broker, see embedded_broker.hpp).
// Thread-safety: free functions, safe from any thread.
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <librdkafka/rdkafka.h>

namespace sluice::kafka {

using settings = std::map<std::string, std::string>;

struct conf_deleter {
  void operator()(rd_kafka_conf_t* c) const noexcept;
};
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;

// Builds a conf from `s`. A key librdkafka does not know, or a value it rejects, throws
// sluice::error naming the key, with librdkafka's own text as `why` (a "did you mean" for close
// misspellings) and `where` naming the connector/role and the config prefix the key came from
// (e.g. "sink 'orders' consumer (consumer.override.*)"). Values of secret keys (sasl.password,
// ssl.*password, ssl.key.pem, *secret*) are never printed.
conf_ptr make_conf(const settings& s, std::string_view where);

// True for keys whose values must never be printed.
bool is_secret_key(std::string_view key);

// The value that `bootstrap.servers` takes for clients built by make_conf: "embedded" becomes
// the process embedded broker's address list; anything else is returned as it is.
std::string resolve_bootstrap(const settings& s);

}  // namespace sluice::kafka
