#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include "config/providers.hpp"
#include "tests/support/temp_dir.hpp"

namespace sluice::config {
namespace {

std::string resolved(std::string_view key, std::string_view value) {
  auto r = resolve_providers(key, value);
  if (auto* p = std::get_if<problem>(&r)) return "PROBLEM: " + p->render();
  return std::get<std::string>(r);
}

problem trouble(std::string_view key, std::string_view value) {
  auto r = resolve_providers(key, value);
  EXPECT_TRUE(std::holds_alternative<problem>(r)) << "resolved to " << std::get<std::string>(r);
  return std::holds_alternative<problem>(r) ? std::get<problem>(r) : problem{};
}

TEST(Providers, EnvVariableIsSubstituted) {
  ::setenv("SLUICE_TEST_PG_PASSWORD", "s3cr3t", 1);
  EXPECT_EQ(resolved("connection.password", "${env:SLUICE_TEST_PG_PASSWORD}"), "s3cr3t");
  EXPECT_EQ(resolved("connection.url", "jdbc:postgresql://h/db?password=${env:SLUICE_TEST_PG_PASSWORD}&x=1"),
            "jdbc:postgresql://h/db?password=s3cr3t&x=1");
}

TEST(Providers, UnsetEnvVariableIsAProblemNamingTheVariableNotTheSecret) {
  ::unsetenv("SLUICE_TEST_UNSET_VAR");
  const auto p = trouble("connection.password", "${env:SLUICE_TEST_UNSET_VAR}");
  EXPECT_EQ(p.key, "connection.password");
  EXPECT_EQ(p.value, "[secret]");
  EXPECT_NE(p.why.find("SLUICE_TEST_UNSET_VAR"), std::string::npos);
  EXPECT_NE(p.why.find("not set"), std::string::npos);
  EXPECT_NE(p.fix.find("export SLUICE_TEST_UNSET_VAR"), std::string::npos);
}

TEST(Providers, FileProviderReadsAKeyOfAPropertiesFile) {
  testing::temp_dir dir;
  std::ofstream(dir / "secrets.properties") << "# db\npg.password=from-file\nother=1\n";
  const std::string ref = "${file:" + (dir / "secrets.properties").string() + ":pg.password}";
  EXPECT_EQ(resolved("connection.password", ref), "from-file");
  EXPECT_EQ(resolved("connection.user", "u-${file:" + (dir / "secrets.properties").string() + ":other}"), "u-1");
}

TEST(Providers, FileProviderWithMissingKeyIsAProblem) {
  testing::temp_dir dir;
  std::ofstream(dir / "secrets.properties") << "pg.password=x\n";
  const auto p = trouble("connection.password",
                         "${file:" + (dir / "secrets.properties").string() + ":pg.pasword}");
  EXPECT_EQ(p.key, "connection.password");
  EXPECT_NE(p.why.find("has no key pg.pasword"), std::string::npos) << p.why;
  EXPECT_EQ(p.render().find("pg.password=x"), std::string::npos);
}

TEST(Providers, FileProviderWithMissingFileIsAProblem) {
  const auto p = trouble("connection.user", "${file:/nonexistent/secrets.properties:user}");
  EXPECT_NE(p.why.find("/nonexistent/secrets.properties"), std::string::npos);
  EXPECT_EQ(p.value, "${file:/nonexistent/secrets.properties:user}");
}

TEST(Providers, DirectoryProviderReadsAWholeFile) {
  testing::temp_dir dir;
  std::ofstream(dir / "password") << "mounted";
  EXPECT_EQ(resolved("connection.password", "${directory:" + dir.path().string() + ":password}"), "mounted");
}

TEST(Providers, UnknownProviderIsAProblem) {
  const auto p = trouble("connection.password", "${vault:secret/db:password}");
  EXPECT_NE(p.why.find("'vault'"), std::string::npos);
}

TEST(Providers, TextWithoutProviderSyntaxIsLeftAlone) {
  EXPECT_EQ(resolved("table.name.format", "${topic}"), "${topic}");
  EXPECT_EQ(resolved("table.name.format", "kafka_${topic}_v2"), "kafka_${topic}_v2");
  EXPECT_EQ(resolved("query", "SELECT '${' FROM t"), "SELECT '${' FROM t");
  EXPECT_EQ(resolved("name", "plain"), "plain");
}

TEST(Providers, SeveralReferencesInOneValueAreAllResolved) {
  ::setenv("SLUICE_TEST_HOST", "db1", 1);
  ::setenv("SLUICE_TEST_PORT", "6543", 1);
  EXPECT_EQ(resolved("connection.url", "jdbc:postgresql://${env:SLUICE_TEST_HOST}:${env:SLUICE_TEST_PORT}/${topic}"),
            "jdbc:postgresql://db1:6543/${topic}");
}

}  // namespace
}  // namespace sluice::config
