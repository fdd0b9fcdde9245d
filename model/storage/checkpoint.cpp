#include "model/storage/checkpoint.h"

#include <charconv>
#include <sstream>

namespace kafkasim::storage {
namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

IoStatus malformed(const std::string& path, std::size_t line, const std::string& why) {
  return IoStatus(IoErrc::invalid_argument, path + ":" + std::to_string(line) + ": " + why);
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

IoStatus CheckpointFile::write(int version, const std::vector<std::string>& lines) {
  std::string text = std::to_string(version) + "\n" + std::to_string(lines.size()) + "\n";
  for (const auto& line : lines) text += line + "\n";
  const std::string tmp = path_ + ".tmp";
  auto file = disk_.open(tmp, OpenMode::create_if_missing);
  if (!file.ok()) return file.status();
  KAFKASIM_RETURN_IF_ERROR(file.value()->truncate(0));
  KAFKASIM_RETURN_IF_ERROR(file.value()->append(ByteView::copy_of(std::string_view(text))));
  KAFKASIM_RETURN_IF_ERROR(file.value()->sync());
  KAFKASIM_RETURN_IF_ERROR(disk_.rename(tmp, path_));
  return disk_.sync_dir(parent_of(path_));
}

IoResult<std::vector<std::string>> CheckpointFile::read(int version) const {
  auto file = disk_.open(path_, OpenMode::open_existing);
  if (!file.ok()) return file.status();
  auto bytes = file.value()->read(0, static_cast<std::size_t>(file.value()->size()));
  if (!bytes.ok()) return bytes.status();
  std::istringstream in(std::string(bytes.value().data(), bytes.value().data() + bytes.value().size()));
  std::string line;
  int found_version = 0;
  std::size_t count = 0;
  if (!std::getline(in, line) || !parse_number(line, found_version)) return malformed(path_, 1, "no version line");
  if (found_version != version) {
    return malformed(path_, 1, "version " + std::to_string(found_version) + ", expected " + std::to_string(version));
  }
  if (!std::getline(in, line) || !parse_number(line, count)) return malformed(path_, 2, "no entry count");
  std::vector<std::string> lines;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.size() != count) {
    return malformed(path_, 2, "count " + std::to_string(count) + " but " + std::to_string(lines.size()) + " entries");
  }
  return lines;
}

IoStatus write_offset_checkpoint(Disk& disk, const std::string& path, const OffsetMap& offsets) {
  std::vector<std::string> lines;
  for (const auto& [tp, offset] : offsets) {
    lines.push_back(tp.topic.str() + " " + std::to_string(tp.partition) + " " + std::to_string(offset.value()));
  }
  return CheckpointFile(disk, path).write(0, lines);
}

IoResult<OffsetMap> read_offset_checkpoint(Disk& disk, const std::string& path) {
  auto lines = CheckpointFile(disk, path).read(0);
  if (!lines.ok()) {
    if (lines.status().code() == IoErrc::not_found) return OffsetMap{};
    return lines.status();
  }
  OffsetMap out;
  for (std::size_t i = 0; i < lines.value().size(); ++i) {
    std::istringstream fields(lines.value()[i]);
    std::string topic, partition, offset;
    std::int32_t p = 0;
    std::int64_t o = 0;
    if (!(fields >> topic >> partition >> offset) || !parse_number(partition, p) || !parse_number(offset, o) || o < 0) {
      return malformed(path, i + 3, "expected \"topic partition offset\", got \"" + lines.value()[i] + "\"");
    }
    out[TopicPartition{topic, p}] = Offset{o};
  }
  return out;
}

}  // namespace kafkasim::storage
