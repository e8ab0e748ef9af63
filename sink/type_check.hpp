#pragma once
// Whether a record field of a Connect type can be written into a PostgreSQL column of a given
// type without loss or guesswork. Strings go anywhere (the server parses them: schemaless JSON
// carries dates and numbers as text); other types only into their own family or into text.
#include <string>

#include "core/schema.hpp"

namespace sluice::sink {

bool column_accepts(const field_schema& f, unsigned column_type_oid);
// "int64", "Decimal(scale 2)", "Timestamp" … for messages.
std::string describe_field_type(const field_schema& f);

}  // namespace sluice::sink
