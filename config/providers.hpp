#pragma once
// Kafka's config providers inside values: ${env:NAME} (an environment variable),
// ${file:PATH:KEY} (KEY of the .properties file PATH) and ${directory:DIR:FILE} (the whole
// content of DIR/FILE, as Kubernetes mounts secrets). Text that is not of the form
// ${provider:...} (like table.name.format's ${topic}) is left alone. Not recursive.
// Thread-safety: reads the environment and files; safe from any thread.
#include <string>
#include <string_view>
#include <variant>
#include "config/option.hpp"

namespace sluice::config {

// The resolved text, or a problem naming `key` (the value shown is masked when `key` is secret).
std::variant<std::string, problem> resolve_providers(std::string_view key, std::string_view value);

}  // namespace sluice::config
