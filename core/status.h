// Status and Result<T>: errors as values at module boundaries.
//
// A Status is either ok or carries a code and a one-line message. Messages that
// point into input use the `file:line:col: message` form so editors and CI logs
// can jump to the place. Result<T> holds a value or a failed Status. Both are
// [[nodiscard]] so an ignored error is a compiler warning.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace gitcanary {

enum class Code { kOk = 0, kInvalidInput = 1, kUsage = 2, kIo = 3, kInternal = 4 };

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string msg) { return Status(Code::kInvalidInput, std::move(msg)); }
  static Status Usage(std::string msg) { return Status(Code::kUsage, std::move(msg)); }
  static Status Io(std::string msg) { return Status(Code::kIo, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

// Formats `file:line:col: message`; line/col of 0 are left out.
std::string AtPlace(const std::string& file, int line, int col, const std::string& message);

}  // namespace gitcanary
