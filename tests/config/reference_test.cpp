#include <fstream>
#include <set>
#include <gtest/gtest.h>
#include "config/connector_config.hpp"
#include "config/option.hpp"
#include "config/reference.hpp"

namespace sluice::config {
namespace {

TEST(Reference, MentionsEveryOptionWithTypeAndDefault) {
  const std::string md = render_reference_markdown();
  for (const auto& o : options()) {
    const auto at = md.find("### `" + o.key + "`");
    ASSERT_NE(at, std::string::npos) << o.key;
    const auto section = md.substr(at, md.find("\n### ", at + 1) - at);
    EXPECT_NE(section.find("- Type: "), std::string::npos) << o.key;
    EXPECT_NE(section.find("- Default: "), std::string::npos) << o.key;
    EXPECT_NE(section.find("- Importance: "), std::string::npos) << o.key;
    std::string doc;  // '<' is escaped for Markdown
    for (char ch : o.doc) doc += ch == '<' ? std::string("\\<") : std::string(1, ch);
    EXPECT_NE(section.find(doc), std::string::npos) << o.key;
  }
}

TEST(Reference, ShowsValidValuesRequiredAndSecrets) {
  const std::string md = render_reference_markdown();
  EXPECT_NE(md.find("- Valid values: insert, upsert, update"), std::string::npos);
  EXPECT_NE(md.find("- Valid values: 1 to 1024"), std::string::npos);
  EXPECT_NE(md.find("- Required: yes (sources)"), std::string::npos);
  EXPECT_NE(md.find("- Secret: shown as `[secret]`"), std::string::npos);
  EXPECT_NE(md.find("## Sink: writes"), std::string::npos);
}

TEST(Reference, TimestampGranularityStatesTheDefaultSluiceApplies) {
  // Unset, a source publishes lossless MicroTimestamp/MicroTime (source/source_settings.cpp),
  // not connect_logical: the reference must not claim otherwise.
  const option* o = find_option("timestamp.granularity");
  ASSERT_NE(o, nullptr);
  EXPECT_FALSE(o->default_value.has_value()) << *o->default_value;
  const std::string md = render_reference_markdown();
  const auto at = md.find("### `timestamp.granularity`");
  ASSERT_NE(at, std::string::npos);
  const auto section = md.substr(at, md.find("\n### ", at + 1) - at);
  EXPECT_EQ(section.find("- Default: `connect_logical`"), std::string::npos) << section;
  EXPECT_NE(section.find("io.debezium.time.MicroTimestamp"), std::string::npos) << section;
  EXPECT_NE(section.find("Unset (sluice's default"), std::string::npos) << section;
}

TEST(OptionTable, EveryOptionIsDeclaredOnceWithADoc) {
  std::set<std::string> seen;
  for (const auto& o : options()) {
    EXPECT_TRUE(seen.insert(o.key).second) << "declared twice: " << o.key;
    EXPECT_FALSE(o.doc.empty()) << o.key;
    EXPECT_FALSE(o.group.empty()) << o.key;
    EXPECT_EQ(find_option(o.key), &o);
  }
  EXPECT_EQ(find_option("nope"), nullptr);
}

TEST(OptionTable, EveryDefaultPassesItsOwnValidator) {
  for (const auto& o : options()) {
    if (!o.default_value || !o.validate) continue;
    EXPECT_FALSE(o.validate(o, *o.default_value).has_value()) << o.key << "=" << *o.default_value;
  }
}

TEST(OptionTable, SecretsAreThePasswords) {
  for (const auto& o : options()) EXPECT_EQ(o.secret, o.type == value_type::password) << o.key;
}

TEST(Examples, EveryExampleValidatesClean) {
  ::setenv("PG_PASSWORD", "example-password", 1);
  for (const char* file : {"sink-postgres-upsert.json", "source-incrementing.properties", "sink-flat-env.json"}) {
    const auto path = std::filesystem::path(SLUICE_SOURCE_DIR) / "config/examples" / file;
    for (const auto& raw : load_file(path)) {
      auto r = validate(raw);
      std::string all;
      for (const auto& p : r.problems) all += p.render() + "\n";
      EXPECT_TRUE(r.problems.empty()) << file << ":\n" << all;
    }
  }
}

}  // namespace
}  // namespace sluice::config
