#include "kafka/errors.hpp"

#include <array>

namespace sluice::kafka {
namespace {

bool retryable_code(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS:
      return true;
    default:
      return false;
  }
}

std::string fix_for(rd_kafka_resp_err_t err) {
  if (is_fenced(err))
    return "another producer with the same transactional.id took over; stop this one (only one "
           "task may own a transactional.id)";
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
      return "check that bootstrap.servers is right and the brokers are reachable";
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
      return "check the brokers' health, or raise the timeout (message.timeout.ms, "
             "transaction.timeout.ms)";
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      return "grant this principal the ACL, or change the sasl.* credentials";
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return "create the topic, or correct the topic name";
    default:
      return {};
  }
}

}  // namespace

bool is_fenced(rd_kafka_resp_err_t err) noexcept {
  return err == RD_KAFKA_RESP_ERR__FENCED || err == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
         err == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH ||
         err == RD_KAFKA_RESP_ERR_TRANSACTION_COORDINATOR_FENCED;
}

sluice::error to_error(rd_kafka_resp_err_t err, std::string what, std::string where,
                       std::string why) {
  if (why.empty()) why = rd_kafka_err2str(err);
  return sluice::error({.what = std::move(what),
                        .where = std::move(where),
                        .why = std::move(why),
                        .fix = fix_for(err),
                        .code = is_fenced(err) ? "FENCED" : rd_kafka_err2name(err),
                        .retryable = retryable_code(err)});
}

sluice::error to_error(const rd_kafka_error_t* err, rd_kafka_t* rk, std::string what,
                       std::string where) {
  rd_kafka_resp_err_t code = rd_kafka_error_code(err);
  std::string why = rd_kafka_error_string(err);
  if (code == RD_KAFKA_RESP_ERR__FATAL && rk != nullptr) {
    std::array<char, 512> buf{};
    code = rd_kafka_fatal_error(rk, buf.data(), buf.size());
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR) why = buf.data();
  }
  std::string fix = fix_for(code);
  if (rd_kafka_error_txn_requires_abort(err))
    fix = "abort the transaction (abort_transaction) and start a new one";
  else if (rd_kafka_error_is_fatal(err) && fix.empty())
    fix = "the producer cannot be used any more: destroy it and create a new one";
  bool fatal = rd_kafka_error_is_fatal(err);
  return sluice::error({.what = std::move(what),
                        .where = std::move(where),
                        .why = std::move(why),
                        .fix = std::move(fix),
                        .code = is_fenced(code) ? "FENCED" : rd_kafka_err2name(code),
                        .retryable = !fatal && (rd_kafka_error_is_retriable(err) != 0),
                        .poisons_connection = fatal});
}

}  // namespace sluice::kafka
