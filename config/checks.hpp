#pragma once
// Internal to config/: the rules that relate several options (insert.mode=upsert needs pk.mode,
// topics xor topics.regex, ...). They read a connector_config whose values passed their own
// checks (values that failed were left out, so defaults stand in and nothing is reported twice).
#include <vector>
#include "config/connector_config.hpp"

namespace sluice::config::detail {

void check_sink_rules(const connector_config& c, std::vector<problem>& out);
void check_source_rules(const connector_config& c, std::vector<problem>& out);
void check_common_rules(const connector_config& c, std::vector<problem>& out);

}  // namespace sluice::config::detail
