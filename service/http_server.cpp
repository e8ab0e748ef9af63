#include "service/http_server.hpp"

#include <array>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"

namespace sluice::service {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string error_body(int status, const std::string& message) {
  return boost::json::serialize(boost::json::object{{"error_code", status}, {"message", message}});
}

std::vector<listener> parse_listeners(const std::string& list) {
  std::vector<listener> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string item = list.substr(start, end - start);
    start = end + 1;
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.empty()) continue;
    auto bad = [&](const std::string& why) {
      return error({.what = "cannot use listener", .where = item, .why = why,
                    .fix = "write --listeners http://HOST:PORT[,http://HOST:PORT…], e.g. "
                           "http://127.0.0.1:8083 (an empty HOST listens on every interface)"});
    };
    if (item.starts_with("https://")) throw bad("TLS listeners are not supported by sluice yet");
    if (!item.starts_with("http://")) throw bad("it does not start with http://");
    std::string rest = item.substr(7);
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    listener l;
    l.text = item;
    std::string port;
    if (rest.starts_with("[")) {
      auto close = rest.find(']');
      if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
        throw bad("an IPv6 address needs the form [ADDRESS]:PORT");
      l.host = rest.substr(1, close - 1);
      port = rest.substr(close + 2);
    } else {
      auto colon = rest.rfind(':');
      if (colon == std::string::npos) throw bad("the port is missing");
      l.host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    int p = -1;
    try {
      std::size_t used = 0;
      p = std::stoi(port, &used);
      if (used != port.size()) p = -1;
    } catch (...) {
    }
    if (p < 0 || p > 65535) throw bad(fmt::format("'{}' is not a port number (0-65535)", port));
    l.port = static_cast<std::uint16_t>(p);
    out.push_back(std::move(l));
  }
  if (out.empty())
    throw error({.what = "cannot listen", .where = "--listeners", .why = "no listener given",
                 .fix = "give at least one, e.g. --listeners http://127.0.0.1:8083"});
  return out;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

struct http_server::impl {
  http_server_options o;
  http_handler handler;
  asio::io_context io{1};
  std::unique_ptr<asio::thread_pool> workers;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::string> bound;
  std::thread net;

  asio::awaitable<void> accept_loop(tcp::acceptor& a);
  asio::awaitable<void> session(tcp::socket sock);
  asio::awaitable<void> reply(beast::tcp_stream& stream, unsigned version, bool keep_alive,
                              http_response r);
  asio::awaitable<void> drain(beast::tcp_stream& stream);
};

// After refusing a request whose body was not read: stop sending and read (and drop) what the
// client still sends for a moment, so closing does not reset the connection before the client
// read the answer.
asio::awaitable<void> http_server::impl::drain(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(2));
  std::array<char, 16384> scratch;
  for (std::size_t total = 0; !ec && total < (64u << 20);)
    total += co_await stream.async_read_some(asio::buffer(scratch),
                                             asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> http_server::impl::accept_loop(tcp::acceptor& a) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket sock = co_await a.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !a.is_open()) co_return;
      continue;  // EMFILE and the like: keep accepting
    }
    asio::co_spawn(io, session(std::move(sock)), asio::detached);
  }
}

asio::awaitable<void> http_server::impl::reply(beast::tcp_stream& stream, unsigned version,
                                               bool keep_alive, http_response r) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "sluice");
  if (r.status != 204 && r.status != 304) {
    res.set(http::field::content_type, r.content_type);
    res.body() = std::move(r.body);
  }
  for (const auto& [k, v] : r.headers) res.insert(k, v);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  boost::system::error_code ec;
  co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> http_server::impl::session(tcp::socket sock) {
  boost::system::error_code ec;
  std::string remote;
  if (auto ep = sock.remote_endpoint(ec); !ec) remote = fmt::format("{}:{}", ep.address().to_string(), ep.port());
  beast::tcp_stream stream(std::move(sock));
  beast::flat_buffer buf;
  auto refuse = [&](int status, const std::string& message) {
    return reply(stream, 11, false, http_response{status, error_body(status, message)});
  };
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(o.max_body_bytes);
    stream.expires_after(o.idle_timeout);
    co_await http::async_read_header(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
    const auto too_big = fmt::format("Request body larger than {} bytes", o.max_body_bytes);
    if (ec == http::error::header_limit) {
      co_await refuse(431, "Request headers are larger than 16 KiB");
      co_await drain(stream);
      break;
    }
    if (ec == http::error::body_limit) {  // Content-Length over the limit: refused unread
      co_await refuse(413, too_big);
      co_await drain(stream);
      break;
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
      break;
    if (ec) {
      co_await refuse(400, "Malformed HTTP request: " + ec.message());
      break;
    }
    auto& req = parser.get();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, req.version()};
      co_await http::async_write(stream, cont, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    if (!parser.is_done())
      co_await http::async_read(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::body_limit) {  // a chunked body that grew over the limit
      co_await refuse(413, too_big);
      co_await drain(stream);
      break;
    }
    if (ec) {
      if (ec != beast::error::timeout && ec != http::error::end_of_stream)
        co_await refuse(400, "Malformed HTTP request: " + ec.message());
      break;
    }
    stream.expires_never();

    http_request r;
    r.method = std::string(req.method_string());
    const std::string_view target = req.target();
    const auto q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) {
      std::string_view rest = target.substr(q + 1);
      while (!rest.empty()) {
        auto amp = rest.find('&');
        auto part = rest.substr(0, amp);
        auto eq = part.find('=');
        if (!part.empty())
          r.query.emplace_back(percent_decode(part.substr(0, eq), true),
                               eq == std::string_view::npos ? std::string()
                                                            : percent_decode(part.substr(eq + 1), true));
        if (amp == std::string_view::npos) break;
        rest = rest.substr(amp + 1);
      }
    }
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
    }
    r.body = std::move(req.body());
    r.remote = remote;
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();

    // The handler may block (stopping a connector waits for its flush): run it off this thread.
    http_response res;
    try {
      res = co_await asio::co_spawn(
          *workers, [this, &r]() -> asio::awaitable<http_response> { co_return handler(r); },
          asio::use_awaitable);
    } catch (const std::exception& e) {
      log::get("service")->error("http method={} path={} status=500 reason=\"{}\"", r.method, r.path,
                                 e.what());
      res = http_response{500, error_body(500, e.what())};
    }
    co_await reply(stream, version, keep_alive, std::move(res));
    if (!keep_alive) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

http_server::http_server(http_server_options o, http_handler h) : impl_(std::make_unique<impl>()) {
  impl_->o = std::move(o);
  impl_->handler = std::move(h);
}

http_server::~http_server() { stop(); }

void http_server::start() {
  auto& s = *impl_;
  tcp::resolver resolver(s.io);
  for (const auto& l : s.o.listeners) {
    boost::system::error_code ec;
    const std::string host = l.host.empty() ? "0.0.0.0" : l.host;
    auto results = resolver.resolve(host, std::to_string(l.port), tcp::resolver::passive, ec);
    auto fail = [&](const std::string& step) {
      return error({.what = "cannot listen", .where = l.text,
                    .why = fmt::format("{}: {}", step, ec.message()),
                    .fix = "choose another port or host in --listeners, or stop what uses it"});
    };
    if (ec || results.empty()) throw fail("resolve");
    auto a = std::make_unique<tcp::acceptor>(s.io);
    const auto ep = results.begin()->endpoint();
    a->open(ep.protocol(), ec);
    if (!ec) a->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a->bind(ep, ec);
    if (ec) throw fail("bind");
    a->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw fail("listen");
    const auto local = a->local_endpoint();
    s.bound.push_back(local.address().is_v6()
                          ? fmt::format("[{}]:{}", local.address().to_string(), local.port())
                          : fmt::format("{}:{}", local.address().to_string(), local.port()));
    s.acceptors.push_back(std::move(a));
  }
  s.workers = std::make_unique<asio::thread_pool>(static_cast<std::size_t>(std::max(1, s.o.handler_threads)));
  for (auto& a : s.acceptors) asio::co_spawn(s.io, s.accept_loop(*a), asio::detached);
  s.net = std::thread([&s] { s.io.run(); });
}

void http_server::stop() {
  auto& s = *impl_;
  if (!s.net.joinable()) return;
  asio::post(s.io, [&s] {
    for (auto& a : s.acceptors) {
      boost::system::error_code ec;
      a->close(ec);
    }
  });
  s.io.stop();
  s.net.join();
  if (s.workers) s.workers->join();
}

std::vector<std::string> http_server::bound() const { return impl_->bound; }

}  // namespace sluice::service
