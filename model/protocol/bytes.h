// Shared, immutable byte buffers and views into them.
//
// Record data is written once (by a producer encoding a batch) and then only read: appended
// to a segment, handed to a fetch, sent over the network. A ByteView keeps its buffer alive
// and points into it, so none of those steps copies the bytes (Kafka's zero-copy, in memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace kafkasim {

using Buffer = std::vector<std::uint8_t>;

class ByteView {
 public:
  ByteView() = default;

  // Takes ownership of the bytes.
  static ByteView from(Buffer bytes) {
    auto owner = std::make_shared<const Buffer>(std::move(bytes));
    return ByteView(owner, owner->data(), owner->size());
  }
  // Bytes kept alive by any owner: a memory mapping, a buffer pool, ...
  static ByteView wrap(std::shared_ptr<const void> owner, const std::uint8_t* data, std::size_t size) {
    return ByteView(std::move(owner), data, size);
  }
  static ByteView copy_of(std::span<const std::uint8_t> bytes) {
    return from(Buffer(bytes.begin(), bytes.end()));
  }
  static ByteView copy_of(std::string_view text) {
    return from(Buffer(text.begin(), text.end()));
  }

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::uint8_t operator[](std::size_t i) const { return data_[i]; }
  std::span<const std::uint8_t> span() const { return {data_, size_}; }
  std::string_view text() const { return {reinterpret_cast<const char*>(data_), size_}; }

  // A view of part of this one, sharing the same buffer.
  ByteView slice(std::size_t offset, std::size_t length) const {
    return ByteView(owner_, data_ + offset, length);
  }

  friend bool operator==(const ByteView& a, const ByteView& b) {
    return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
  }

 private:
  ByteView(std::shared_ptr<const void> owner, const std::uint8_t* data, std::size_t size)
      : owner_(std::move(owner)), data_(data), size_(size) {}

  std::shared_ptr<const void> owner_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace kafkasim
