#pragma once
// Connect schema ↔ PostgreSQL column types, and the DDL sluice runs for auto.create and
// auto.evolve. Every identifier goes through identifiers.hpp and every default through
// quote_literal, so no name or value can inject SQL.
// Thread-safety: pure functions.
#include <string>
#include <string_view>
#include <vector>

#include "core/schema.hpp"
#include "dialects/postgres/catalog.hpp"
#include "dialects/postgres/identifiers.hpp"

namespace sluice::pg {

// int8/int16 → smallint, int32 → integer, int64 → bigint, float → real, double → double precision,
// boolean, string → text, bytes → bytea, Decimal → numeric(p,s) when the precision is known else
// numeric, Date → date, Time/MicroTime → time, Timestamp/Micro/Nano/Zoned → timestamptz,
// Json → jsonb, Uuid → uuid; arrays, maps and structs → jsonb.
std::string sql_type_for(const field_schema& f);

// The reverse, for schemaless records and the source: the Connect field a column reads as.
// numeric(p,s) → Decimal(scale s, precision p); unconstrained numeric → string (Connect's Decimal
// needs one scale for every row); time → Time; timestamp[tz] → Timestamp; date → Date;
// json/jsonb → Json; uuid → Uuid; anything else → string (its text form).
field_schema field_for_column(const column_info& c);

// 'text' as an SQL literal: ' doubled; E'…' with \\ when the text has a backslash, so it means the
// same whatever standard_conforming_strings is.
std::string quote_literal(std::string_view text);

// CREATE TABLE IF NOT EXISTS t (col type [NOT NULL] [DEFAULT lit], …, PRIMARY KEY (…)).
// A field is NOT NULL when it is not optional or part of the key. default_sql_literal is the
// default's text and is rendered with quote_literal (PostgreSQL casts it to the column type).
std::string create_table_sql(const table_ref& t, const std::vector<field_schema>& fields,
                             const std::vector<std::string>& pk, quoting q);

// ALTER TABLE t ADD COLUMN IF NOT EXISTS col type: nullable, or with DEFAULT lit (and NOT NULL
// when the field is not optional) — a NOT NULL column without default cannot be added to a table
// that has rows. IF NOT EXISTS lets two tasks evolve the same table at once.
std::string add_column_sql(const table_ref& t, const field_schema& f, quoting q);

}  // namespace sluice::pg
