#include <gtest/gtest.h>

#include "core/error.hpp"
#include "kafka/errors.hpp"
#include "kafka/producer.hpp"
#include "kafka/settings.hpp"

namespace sluice::kafka {
namespace {

sluice::error_info conf_error(const settings& s, std::string_view where) {
  try {
    make_conf(s, where);
  } catch (const sluice::error& e) {
    return e.info();
  }
  ADD_FAILURE() << "make_conf accepted a bad setting";
  return {};
}

TEST(MakeConf, BadValueNamesTheKeyLibrdkafkasReasonAndWhereToFixIt) {
  auto e = conf_error({{"acks", "sometimes"}}, "sink 'orders' consumer (consumer.override.*)");
  EXPECT_NE(e.what.find("\"acks\""), std::string::npos) << e.what;
  EXPECT_NE(e.why.find("Invalid value"), std::string::npos) << e.why;
  EXPECT_EQ(e.where, "sink 'orders' consumer (consumer.override.*)");
  EXPECT_NE(e.fix.find("\"acks\""), std::string::npos) << e.fix;
  EXPECT_NE(e.fix.find("consumer.override.*"), std::string::npos) << e.fix;
  EXPECT_EQ(e.code, "INVALID_CONFIG");
}

TEST(MakeConf, UnknownKeySuggestsTheNearestProperty) {
  auto e = conf_error({{"bootstrap.server", "localhost:9092"}}, "source 'x' producer");
  EXPECT_NE(e.why.find("No such configuration property"), std::string::npos) << e.why;
  EXPECT_NE(e.fix.find("did you mean \"bootstrap.servers\""), std::string::npos) << e.fix;
}

TEST(MakeConf, UnknownKeyFarFromAnyPropertySaysRemoveIt) {
  auto e = conf_error({{"zzzzzzzzzzzzzzzzzzzz", "1"}}, "sink 's'");
  EXPECT_NE(e.fix.find("remove \"zzzzzzzzzzzzzzzzzzzz\""), std::string::npos) << e.fix;
}

TEST(MakeConf, ErrorNeverPrintsASecretValue) {
  auto e = conf_error({{"sasl.password", "hunter2"}, {"security.protocol", "nope"}}, "sink 's'");
  std::string all = render(e);
  EXPECT_EQ(all.find("hunter2"), std::string::npos) << all;
}

TEST(MakeConf, AcceptsValidSettings) {
  conf_ptr c = make_conf({{"bootstrap.servers", "127.0.0.1:1"}, {"linger.ms", "7"},
                          {"compression.type", "lz4"}},
                         "test");
  char buf[64];
  std::size_t n = sizeof buf;
  ASSERT_EQ(rd_kafka_conf_get(c.get(), "linger.ms", buf, &n), RD_KAFKA_CONF_OK);
  EXPECT_STREQ(buf, "7");
}

TEST(IsSecretKey, CoversPasswordsAndSecrets) {
  for (const char* k : {"sasl.password", "ssl.key.password", "ssl.keystore.password",
                        "sasl.oauthbearer.client.secret", "ssl.key.pem"})
    EXPECT_TRUE(is_secret_key(k)) << k;
  for (const char* k : {"bootstrap.servers", "sasl.username", "ssl.ca.location"})
    EXPECT_FALSE(is_secret_key(k)) << k;
}

TEST(ToError, FencedCodesAllBecomeFENCED) {
  for (auto err : {RD_KAFKA_RESP_ERR__FENCED, RD_KAFKA_RESP_ERR_PRODUCER_FENCED,
                   RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH})
    EXPECT_EQ(to_error(err, "x", "y").info().code, "FENCED") << rd_kafka_err2name(err);
  EXPECT_EQ(to_error(RD_KAFKA_RESP_ERR__TRANSPORT, "x", "y").info().code, "_TRANSPORT");
  EXPECT_TRUE(to_error(RD_KAFKA_RESP_ERR__TRANSPORT, "x", "y").retryable());
}

TEST(Producer, BadSettingThrowsBeforeConnecting) {
  try {
    producer p({{"bootstrap.servers", "127.0.0.1:1"}, {"linger.ms", "-5"}}, "source 'x' producer");
    FAIL() << "accepted linger.ms=-5";
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.info().code, "INVALID_CONFIG");
    EXPECT_NE(e.info().what.find("linger.ms"), std::string::npos);
  }
}

}  // namespace
}  // namespace sluice::kafka
