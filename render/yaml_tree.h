// The document tree that render works on.
//
// A manifest is parsed into a Node: null, scalar, sequence or mapping. Mappings
// keep their keys in source order (keys are always strings in manifests). A
// scalar remembers whether it was written plain or quoted: a plain `5` is an
// integer and a quoted "5" is a string, and the emitters keep that distinction.
// Each node carries the line and column it came from so that errors can point
// at the source. This type is deliberately plain data: copying a Node copies
// the whole subtree, and nothing is shared behind the caller's back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gitcanary::yaml {

struct Mark {
  int line = 0;    // 1-based; 0 = generated, no source position
  int column = 0;  // 1-based
};

enum class Kind : std::uint8_t { kNull, kScalar, kSequence, kMapping };

// How a scalar was written. kPlain scalars resolve by content (int, float,
// bool, null-like words are already kNull); every other style is a string.
enum class Style : std::uint8_t { kPlain, kQuoted };

struct Field;

struct Node {
  Kind kind = Kind::kNull;
  Style style = Style::kPlain;
  Mark mark;
  std::string value;          // scalar text, decoded (escapes resolved)
  std::vector<Node> items;    // sequence elements
  std::vector<Field> fields;  // mapping entries in source order

  static Node Null();  // defined below Field: clang needs Field complete here
  static Node String(std::string s);  // a string scalar (quoted style)
  static Node Plain(std::string s);   // a plain scalar (e.g. numbers, booleans)
  static Node Int(long long v);
  static Node Bool(bool v);
  static Node Sequence();
  // A mapping with room for `capacity` fields; builders that know their keys
  // pass the count, so a generated tree holds no unused space.
  static Node Mapping(std::size_t capacity = 4);

  bool IsNull() const { return kind == Kind::kNull; }
  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsSequence() const { return kind == Kind::kSequence; }
  bool IsMapping() const { return kind == Kind::kMapping; }

  // Mapping access; Find returns nullptr when absent or not a mapping.
  const Node* Find(std::string_view key) const;
  Node* Find(std::string_view key);
  // Path lookup through mappings only, e.g. Path({"metadata", "name"}).
  const Node* Path(std::initializer_list<std::string_view> keys) const;
  // Sets key (appending when new, replacing in place when present).
  Node& Set(std::string_view key, Node value);
  // Removes key; returns whether it was present.
  bool Erase(std::string_view key);

  // Scalar typing as YAML 1.2 core schema resolves plain scalars.
  bool IsStringScalar() const;             // quoted, or plain that is not int/float/bool
  std::optional<long long> AsInt() const;  // plain decimal/0x/0o integer
  std::optional<double> AsFloat() const;   // plain int or float
  std::optional<bool> AsBool() const;      // plain true/false (any case form of 1.2 core)

  bool operator==(const Node& other) const;  // structural; ignores marks
};

struct Field {
  std::string key;
  Mark key_mark;
  Node value;
};

inline Node Node::Null() { return Node(); }

// A human name for a node's type in messages: "string", "integer", "mapping"...
std::string_view TypeName(const Node& n);

}  // namespace gitcanary::yaml
