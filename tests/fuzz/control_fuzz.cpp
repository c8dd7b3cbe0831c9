// libFuzzer target: the control protocol without sockets (agent/control_server.h).
//
// The first input byte splits the rest into a request line and a free string:
//   - parse_control_request(line) either returns a request that names a known command, has every
//     required field with its type and no unknown field, or throws ControlError; nothing else
//   - control_success and control_failure, fed with that request, its "id" and arbitrary bytes
//     (invalid UTF-8 included) as error text, details and id, never throw and return one line
//     that parses as a JSON object with the promised "ok"/"result"/"error"/"id" members
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "control/control_server.h"

namespace {

using Json = nlohmann::json;
using xdplb::control::control_commands;
using xdplb::control::control_failure;
using xdplb::control::control_success;
using xdplb::control::ControlError;
using xdplb::control::parse_control_request;

[[noreturn]] void violated(const char* invariant) {
  std::fprintf(stderr, "control_fuzz: invariant violated: %s\n", invariant);
  __builtin_trap();
}

void require(bool holds, const char* invariant) {
  if (!holds) violated(invariant);
}

bool is_valid_utf8(const std::string& text) {
  try {
    (void)Json(text).dump();  // the default error handler throws on invalid UTF-8
    return true;
  } catch (const Json::type_error&) {
    return false;
  }
}

// A response line: one line of JSON, an object whose "ok" is `ok`, with `id` echoed when given.
Json check_line(const std::string& line, bool ok, const Json& id) {
  require(line.find('\n') == std::string::npos && line.find('\r') == std::string::npos,
          "a response is one line");
  Json response;
  try {
    response = Json::parse(line);
  } catch (const Json::parse_error&) {
    violated("a response line is valid JSON");
  }
  require(response.is_object(), "a response is a JSON object");
  require(response.contains("ok") && response["ok"].is_boolean() && response["ok"] == ok, "\"ok\" says which");
  if (id.is_null())
    require(!response.contains("id"), "no \"id\" unless the request had one");
  else
    require(response.contains("id"), "the request's \"id\" is echoed");
  return response;
}

void check_request(const Json& request) {
  require(request.is_object(), "an accepted request is an object");
  require(request.contains("command") && request["command"].is_string(), "an accepted request names its command");
  const auto& name = request["command"].get_ref<const std::string&>();
  const xdplb::control::ControlCommand* command = nullptr;
  for (const auto& known : control_commands())
    if (known.name == name) command = &known;
  require(command != nullptr, "an accepted request's command exists");
  for (const auto& field : command->fields) {
    const bool present = request.contains(field.name) && !request[field.name].is_null();
    require(present || !field.required, "an accepted request has its required fields");
  }
  for (const auto& item : request.items()) {
    bool known = item.key() == "command" || item.key() == "id";
    for (const auto& field : command->fields) known = known || field.name == item.key();
    require(known, "an accepted request has no unknown field");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = std::min<std::size_t>(data[0], rest.size());
  const std::string_view line = data[0] == 0xff ? rest : rest.substr(0, split);
  const std::string text(data[0] == 0xff ? std::string_view() : rest.substr(split));

  Json request = nullptr;
  try {
    request = parse_control_request(line);
    check_request(request);
  } catch (const ControlError& e) {
    require(*e.what() != '\0', "a refusal says why");
    request = nullptr;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "control_fuzz: %s\n", e.what());
    violated("parse_control_request throws only ControlError");
  }

  const Json id = request.is_object() && request.contains("id") ? request["id"] : Json(nullptr);
  // The request itself as a result, with the free string inside, and the free string as an id.
  Json result = request;
  if (result.is_object()) result["echo"] = text;
  try {
    check_line(control_success(result, id), true, id);
    const Json text_id = text;
    const Json success = check_line(control_success(text, text_id), true, text_id);
    const Json failure = check_line(control_failure(text, Json(text), id), false, id);
    require(failure.contains("error") && failure["error"].is_string(), "a failure carries its error");
    require(failure.contains("details"), "a failure carries its details");
    if (is_valid_utf8(text)) {
      require(failure["error"] == text && failure["details"] == text, "valid UTF-8 comes back unchanged");
      require(success["result"] == text && success["id"] == text, "a string result comes back unchanged");
    }
    check_line(control_failure(text, nullptr, nullptr), false, nullptr);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "control_fuzz: %s\n", e.what());
    violated("control_success and control_failure never throw");
  }
  return 0;
}
