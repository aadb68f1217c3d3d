#include "render/yaml_event_parser.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <exception>
#include <new>
#include <sstream>
#include <unordered_map>
#include <utility>

namespace gitcanary::yaml {
namespace {

// Thrown by the handler to abort yaml-cpp mid-document; never leaves this file.
struct BuildError {
  Mark mark;
  std::string message;
};

// Thrown when yaml-cpp stops making progress at a token it cannot use.
struct Stuck {
  YAML::Mark mark;
};

Mark ToMark(const YAML::Mark& m) {
  if (m.is_null()) return Mark{};
  return Mark{m.line + 1, m.column + 1};
}

// yaml-cpp decodes the escapes \N (U+0085) and \_ (U+00A0) to the single
// bytes 0x85 and 0xA0 instead of their UTF-8 encodings, which leaves a string
// that is not UTF-8 (the emitter would then write U+FFFD in their place). The
// input was checked to be UTF-8 and every other decoded character is encoded
// right, so a continuation byte where a character starts can only be one of
// those two: it is re-encoded as the two bytes of its code point.
void RepairLatin1Escapes(std::string* value) {
  std::size_t i = value->find_first_of("\x85\xA0");
  if (i == std::string::npos) return;
  for (i = 0; i < value->size();) {
    const auto c = static_cast<unsigned char>((*value)[i]);
    if (c < 0x80) {
      ++i;
    } else if (c < 0xC0) {  // a continuation byte with no lead byte
      value->insert(i, 1, '\xC2');
      i += 2;
    } else {
      i += c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    }
  }
}

// A finished node that an alias may copy.
struct Anchored {
  bool complete = false;
  Node node;
  std::size_t count = 0;  // nodes in the subtree, keys included
  int height = 0;         // collections nested in the subtree (0 for a scalar)
};

// A collection under construction.
struct Frame {
  Node node;
  YAML::anchor_t anchor = YAML::NullAnchor;
  std::size_t first_count = 0;  // node count when the collection started
  int height = 1;
  bool have_key = false;
  std::string key;
  Mark key_mark;
};

class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(const ParseLimits& limits, std::string_view text) : limits_(limits), text_(text) {}

  std::vector<Node>& docs() { return docs_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    // yaml-cpp 0.7 starts a new empty document at a stray ',' forever without
    // consuming it; a document that starts where the previous one did is stuck.
    if (!docs_.empty() && mark.pos == last_doc_pos_) throw Stuck{mark};
    last_doc_pos_ = mark.pos;
    anchors_.clear();
    stack_.clear();
    count_ = 0;
    have_root_ = false;
  }
  void OnDocumentEnd() override {
    docs_.push_back(have_root_ ? std::move(root_) : Node());
    root_ = Node();
  }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Node n;
    n.mark = ToMark(mark);
    AddLeaf(std::move(n), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end() || !it->second.complete)
      throw BuildError{ToMark(mark), "alias refers to a node that contains it"};
    const Anchored& a = it->second;
    if (count_ + a.count > limits_.max_nodes_per_document)
      throw BuildError{ToMark(mark), TooLarge()};
    // Each document has a budget of its own, so a stream of alias bombs just
    // under it would still expand without bound: aliases share one per stream.
    if (alias_nodes_ + a.count > limits_.max_alias_nodes_per_stream)
      throw BuildError{ToMark(mark), "too many nodes from aliases in this stream: more than " +
                                         std::to_string(limits_.max_alias_nodes_per_stream) + " (alias expansion?)"};
    alias_nodes_ += a.count;
    if (static_cast<int>(stack_.size()) + a.height > limits_.max_depth)
      throw BuildError{ToMark(mark), TooDeep()};
    count_ += a.count;
    Attach(Node(a.node), a.height);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Node n;
    n.mark = ToMark(mark);
    bool quoted = tag == "!" || tag == "tag:yaml.org,2002:str";
    CheckQuoteClosed(mark);
    if (quoted || !value.empty()) {
      n.kind = Kind::kScalar;
      n.style = quoted ? Style::kQuoted : Style::kPlain;
      n.value = value;
      RepairLatin1Escapes(&n.value);
    }
    AddLeaf(std::move(n), anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Push(Node::Sequence(), mark, anchor);
  }
  void OnSequenceEnd() override { Pop(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Push(Node::Mapping(), mark, anchor);
  }
  void OnMapEnd() override { Pop(); }

 private:
  // yaml-cpp accepts a quoted scalar that runs to the end of the stream; every
  // other YAML parser, kubectl's included, rejects it, and so do we.
  void CheckQuoteClosed(const YAML::Mark& mark) const {
    if (mark.pos < 0 || static_cast<std::size_t>(mark.pos) >= text_.size()) return;
    const char quote = text_[static_cast<std::size_t>(mark.pos)];
    if (quote != '"' && quote != '\'') return;
    for (std::size_t i = static_cast<std::size_t>(mark.pos) + 1; i < text_.size(); ++i) {
      if (quote == '"' && text_[i] == '\\') {
        ++i;
      } else if (text_[i] == quote) {
        if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
          ++i;
          continue;
        }
        return;
      }
    }
    throw BuildError{ToMark(mark), "quoted string is never closed"};
  }

  std::string TooLarge() const {
    return "document too large: more than " + std::to_string(limits_.max_nodes_per_document) +
           " nodes (alias expansion?)";
  }
  std::string TooDeep() const {
    return "document nested too deeply: more than " + std::to_string(limits_.max_depth) +
           " levels";
  }

  void Count(const Mark& mark) {
    if (++count_ > limits_.max_nodes_per_document) throw BuildError{mark, TooLarge()};
  }

  void AddLeaf(Node n, YAML::anchor_t anchor) {
    Count(n.mark);
    if (anchor != YAML::NullAnchor) {
      Anchored& a = anchors_[anchor];
      a = Anchored{true, n, 1, 0};
    }
    Attach(std::move(n), 0);
  }

  void Push(Node n, const YAML::Mark& mark, YAML::anchor_t anchor) {
    n.mark = ToMark(mark);
    Count(n.mark);
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) throw BuildError{n.mark, TooDeep()};
    if (anchor != YAML::NullAnchor) anchors_[anchor] = Anchored{};  // incomplete until Pop
    Frame f;
    f.node = std::move(n);
    f.anchor = anchor;
    f.first_count = count_ - 1;
    stack_.push_back(std::move(f));
  }

  void Pop() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.have_key) throw BuildError{f.key_mark, "mapping key without a value"};
    if (f.anchor != YAML::NullAnchor)
      anchors_[f.anchor] = Anchored{true, f.node, count_ - f.first_count, f.height};
    Attach(std::move(f.node), f.height);
  }

  // Adds a finished node (of the given collection height) to its parent.
  void Attach(Node n, int height) {
    if (stack_.empty()) {
      root_ = std::move(n);
      have_root_ = true;
      return;
    }
    Frame& top = stack_.back();
    top.height = std::max(top.height, height + 1);
    if (top.node.kind == Kind::kSequence) {
      top.node.items.push_back(std::move(n));
    } else if (!top.have_key) {
      TakeKey(top, std::move(n));
    } else {
      top.node.fields.push_back(Field{std::move(top.key), top.key_mark, std::move(n)});
      top.have_key = false;
    }
  }

  void TakeKey(Frame& top, Node n) {
    if (n.kind == Kind::kNull) throw BuildError{n.mark, "mapping key is null"};
    if (n.kind != Kind::kScalar) throw BuildError{n.mark, "mapping key must be a scalar"};
    for (const Field& f : top.node.fields)
      if (f.key == n.value) throw BuildError{n.mark, "duplicate key \"" + n.value + "\""};
    top.key = std::move(n.value);
    top.key_mark = n.mark;
    top.have_key = true;
  }

  const ParseLimits& limits_;
  std::string_view text_;  // the source, to check quoted scalars are closed
  std::vector<Node> docs_;
  Node root_;
  bool have_root_ = false;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  std::size_t count_ = 0;        // nodes in the current document
  std::size_t alias_nodes_ = 0;  // nodes copied by aliases in the whole stream
  int last_doc_pos_ = -1;
};

}  // namespace

Result<std::vector<Node>> EventParseYaml(std::string_view text, const std::string& file,
                                         const ParseLimits& limits) {
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    TreeBuilder builder(limits, text);
    while (parser.HandleNextDocument(builder)) {
    }
    return std::move(builder.docs());
  } catch (const Stuck& e) {
    const auto pos = static_cast<std::size_t>(e.mark.pos);
    std::string what = pos < text.size() ? "'" + std::string(1, text[pos]) + "'" : "end of input";
    Mark m = ToMark(e.mark);
    return Status::Invalid(AtPlace(file, m.line, m.column, OneLineText("invalid YAML: unexpected " + what)));
  } catch (const BuildError& e) {
    return Status::Invalid(AtPlace(file, e.mark.line, e.mark.column, OneLineText(e.message)));
  } catch (const YAML::Exception& e) {
    Mark m = ToMark(e.mark);
    return Status::Invalid(AtPlace(file, m.line, m.column, OneLineText("invalid YAML: " + e.msg)));
  } catch (const std::bad_alloc&) {
    return Status::Invalid(AtPlace(file, 0, 0, "out of memory while parsing YAML"));
  } catch (const std::exception& e) {
    return Status::Invalid(AtPlace(file, 0, 0, OneLineText(std::string("invalid YAML: ") + e.what())));
  } catch (...) {
    return Status::Invalid(AtPlace(file, 0, 0, "invalid YAML: unknown parser error"));
  }
}

}  // namespace gitcanary::yaml
