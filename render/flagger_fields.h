// Flagger's field tables: every field of the flagger.app kinds, with its type.
//
// A path names a field from the document root: `spec.analysis.metrics[]` is an
// element of the metrics list, `spec.service.headers.request.add.*` a value of
// a free-keyed map. The tables hold Canary, MetricTemplate and AlertProvider
// as Flagger's CRD (flagger.app/v1beta1) declares them, plus the legacy
// v1alpha3 name `spec.canaryAnalysis` (an alias of `spec.analysis`), and
// `metadata` as Kubernetes' ObjectMeta (labels and annotations are free maps).
// Two more tables hold the parts of Istio's VirtualService and DestinationRule
// that a Canary's fields are copied into, as Istio's CRDs declare them; those
// are checked too, because Flagger's CRD types some of them loosely. A test
// compares every table with the CRD files it was written from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace gitcanary::render {

enum class FieldType : std::uint8_t {
  kObject,       // known properties only
  kMap,          // free keys; values as the `PATH.*` entry says
  kArray,        // items as the `PATH[]` entry says
  kString,
  kInteger,
  kNumber,
  kBoolean,
  kIntOrString,
  kDuration,     // a string Istio parses as a duration of at least 1ms
  kFree,         // anything (a timestamp, ownerReferences, managedFields)
};

// A `oneOf` over an object's properties, as the CRD declares it.
enum class OneOf : std::uint8_t {
  kNone,
  kAtMostOne,    // at most one of the properties
  kExactlyOne,   // exactly one of the properties
  kOther,        // a combination that code checks (e.g. analysis: iterations, stepWeight or stepWeights)
};

struct FieldSpec {
  std::string_view path;
  FieldType type;
  std::string_view enums;  // allowed values joined by '|' ("" = any); "|a|b" allows "", a and b
  OneOf one_of = OneOf::kNone;
  std::string_view alias = {};  // a legacy name: checked as the entry at this path
};

// A FieldSpec as a table stores it: its strings as offsets into the table's
// text, not as pointers. The executables are position-independent, so every
// pointer in constant data is written when they start, and each page written
// is a page fault; as pointers, these tables filled 11 pages.
struct StoredFieldSpec {
  std::uint16_t path_at, path_size;
  std::uint16_t enums_at, enums_size;
  std::uint16_t alias_at, alias_size;
  FieldType type;
  OneOf one_of;
};

struct FieldTable {
  std::string_view name;  // e.g. "Canary", "Istio VirtualService"
  const char* text;
  const StoredFieldSpec* entries;
  std::size_t size;

  FieldSpec operator[](std::size_t i) const;
  // The entry at `path` (entries are sorted by path).
  std::optional<FieldSpec> Find(std::string_view path) const;

  class Iterator {
   public:
    Iterator(const FieldTable* table, std::size_t i) : table_(table), i_(i) {}
    FieldSpec operator*() const { return (*table_)[i_]; }
    Iterator& operator++() { return (++i_, *this); }
    bool operator!=(const Iterator& other) const { return i_ != other.i_; }

   private:
    const FieldTable* table_;
    std::size_t i_;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size); }
};

const FieldTable& CanaryFields();
const FieldTable& MetricTemplateFields();
const FieldTable& AlertProviderFields();
const FieldTable& IstioVirtualServiceFields();   // spec.http[] retries, timeout, headers, corsPolicy, rewrite, match
const FieldTable& IstioDestinationRuleFields();  // spec.trafficPolicy

// A Canary field that the Istio router copies into a VirtualService or a
// DestinationRule: checked against `table` at `istio_path` too.
struct IstioCopy {
  std::string_view canary_path;  // e.g. "spec.service.retries"
  const FieldTable& (*table)();
  std::string_view istio_path;   // e.g. "spec.http[].retries"
  std::string_view not_copied;   // a key Flagger accepts and does not copy (rewrite.type), or ""
};

extern const IstioCopy kIstioCopies[];
extern const std::size_t kIstioCopyCount;

// "object", "integer", ... for messages.
std::string_view FieldTypeName(FieldType type);

}  // namespace gitcanary::render
