#pragma once
// Internal to config/: "did you mean" for misspelt keys and enum values (as DuckDB does for
// names). Case-insensitive optimal-string-alignment distance; a suggestion is made only when it
// is close enough that it is probably what was meant.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::config::detail {

std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word`, if within max(1, len/4) edits (at most 3); ties go to the
// earlier candidate.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace sluice::config::detail
