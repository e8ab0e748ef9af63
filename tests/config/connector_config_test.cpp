#include <stdexcept>
#include <gtest/gtest.h>
#include "config/connector_config.hpp"
#include "tests/config/config_test_helpers.hpp"

namespace sluice::config {
namespace {

using namespace test;

connector_config valid(const raw_connector& r) {
  auto v = validate(r);
  EXPECT_TRUE(v.config.has_value()) << all_rendered(v);
  return *v.config;
}

TEST(ConnectorConfig, DefaultsApplyWhenNotSet) {
  auto c = valid(with(base_sink(), {}));
  EXPECT_EQ(c.name(), "orders-sink");
  EXPECT_EQ(c.get_int("batch.size"), 3000);
  EXPECT_EQ(c.get_int("connection.pool.max.size"), 4);
  EXPECT_EQ(c.get_string("insert.mode"), "insert");
  EXPECT_EQ(c.get_string("bootstrap.servers"), "embedded");
  EXPECT_EQ(c.get_string("table.name.format"), "${topic}");
  EXPECT_EQ(c.get_string("value.converter"), "org.apache.kafka.connect.json.JsonConverter");
  EXPECT_TRUE(c.get_bool("value.converter.schemas.enable"));
  EXPECT_FALSE(c.get_bool("delete.enabled"));
  EXPECT_FALSE(c.is_set("batch.size"));
  EXPECT_TRUE(c.is_set("topics"));
  EXPECT_EQ(c.get_string("connection.user"), "");
}

TEST(ConnectorConfig, DefaultsNamingTheConnectorUseItsName) {
  EXPECT_EQ(valid(with(base_sink(), {})).get_string("group.id"), "connect-orders-sink");
  EXPECT_EQ(valid(with(base_sink(), {{"group.id", "shared"}})).get_string("group.id"), "shared");
  EXPECT_EQ(valid(with(base_source(), {})).get_string("offset.storage.file.filename"),
            "sluice-offsets/orders-source.json");
}

TEST(ConnectorConfig, ListsAreTrimmedWithoutEmptyItems) {
  auto c = valid(with(base_sink(), {{"topics", " orders , ,customers,"}}));
  EXPECT_EQ(c.get_list("topics"), (std::vector<std::string>{"orders", "customers"}));
  EXPECT_TRUE(c.get_list("pk.fields").empty());
}

TEST(ConnectorConfig, ConverterShortNamesBecomeClassNames) {
  auto c = valid(with(base_sink(), {{"key.converter", "string"}, {"value.converter", "Bytes"}}));
  EXPECT_EQ(c.get_string("key.converter"), "org.apache.kafka.connect.storage.StringConverter");
  EXPECT_EQ(c.get_string("value.converter"), "org.apache.kafka.connect.converters.ByteArrayConverter");
}

TEST(ConnectorConfig, UndeclaredKeyIsAProgrammingError) {
  auto c = valid(with(base_sink(), {}));
  EXPECT_THROW(c.get_string("no.such.option"), std::logic_error);
  EXPECT_THROW(c.get_int("batch.sise"), std::logic_error);
  EXPECT_THROW(c.is_set("nope"), std::logic_error);
}

TEST(ConnectorConfig, IntegerWithoutValueOrDefaultThrows) {
  auto c = valid(with(base_source(), {}));
  EXPECT_FALSE(c.is_set("timestamp.initial"));
  EXPECT_THROW(c.get_int("timestamp.initial"), std::logic_error);
  EXPECT_EQ(valid(with(base_source(), {{"timestamp.initial", "-1"}})).get_int("timestamp.initial"), -1);
}

TEST(ConnectorConfig, ProvidersAreResolvedInValuesAndConnection) {
  ::setenv("SLUICE_TEST_DB_PASSWORD", "pw-from-env", 1);
  auto c = valid(with(base_sink(), {{"connection.password", "${env:SLUICE_TEST_DB_PASSWORD}"}}));
  EXPECT_EQ(c.values().at("connection.password"), "pw-from-env");
  EXPECT_EQ(c.connection().password, "pw-from-env");
  EXPECT_EQ(c.masked_values().at("connection.password"), "[secret]");
}

TEST(ConnectorConfig, ConnectionIsParsedWithUserPasswordAndDialect) {
  auto c = valid(with(base_sink(), {{"connection.user", "app"}, {"connection.password", "pw"},
                                    {"dialect.name", "generic"}}));
  EXPECT_EQ(c.connection().kind, dialect::generic);
  EXPECT_EQ(c.connection().user, "app");
  EXPECT_EQ(c.get_string("dialect.name"), "GenericDatabaseDialect");
}

TEST(ConnectorConfig, MaskedValuesHideUrlPasswords) {
  auto c = valid(with(base_sink(), {{"connection.url", "jdbc:postgresql://h/db?user=u&password=pw"}}));
  EXPECT_EQ(c.masked_values().at("connection.url"), "jdbc:postgresql://h/db?user=u&password=[secret]");
  EXPECT_EQ(c.values().at("connection.url"), "jdbc:postgresql://h/db?user=u&password=pw");
}

TEST(ConnectorConfig, CopiesAreIndependentValues) {
  auto a = valid(with(base_sink(), {{"batch.size", "10"}}));
  connector_config b = a;
  EXPECT_EQ(b.get_int("batch.size"), 10);
  EXPECT_EQ(b.connection().pool_key, a.connection().pool_key);
}

}  // namespace
}  // namespace sluice::config
