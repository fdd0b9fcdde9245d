#include "model/protocol/topic_name.h"

#include <mutex>
#include <unordered_set>

namespace kafkasim {
namespace {

// Never freed: names outlive every object that holds one, whatever the order of destruction
// at exit. A run has a handful of topics; the table only grows by names a scenario uses.
const std::string* intern(std::string_view name) {
  static auto* table = new std::unordered_set<std::string>();
  static auto* lock = new std::mutex();
  const std::lock_guard<std::mutex> guard(*lock);
  return &*table->emplace(name).first;
}

}  // namespace

TopicName::TopicName() {
  static const std::string* const empty = intern("");
  text_ = empty;
}

TopicName::TopicName(std::string_view name) : text_(intern(name)) {}

}  // namespace kafkasim
