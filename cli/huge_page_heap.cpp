#include "cli/huge_page_heap.h"

#ifdef KAFKASIM_WITH_TCMALLOC
#include <sys/mman.h>

#include <cstdint>

#include <gperftools/malloc_extension.h>

namespace kafkasim::cli {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

// Hands tcmalloc memory in whole, aligned 2 MiB pages marked for huge pages; anything it
// cannot map goes to tcmalloc's own allocator.
class HugePageAllocator final : public SysAllocator {
 public:
  explicit HugePageAllocator(SysAllocator* fallback) : fallback_(fallback) {}

  void* Alloc(std::size_t size, std::size_t* actual_size, std::size_t alignment) override {
    if (alignment > kHugePage) return fallback_->Alloc(size, actual_size, alignment);
    const std::size_t rounded = (size + kHugePage - 1) & ~(kHugePage - 1);
    // Map a page more than needed, then cut it back to an aligned run of pages.
    void* mapped = mmap(nullptr, rounded + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) return fallback_->Alloc(size, actual_size, alignment);
    const auto start = reinterpret_cast<std::uintptr_t>(mapped);
    const std::uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
    if (aligned > start) munmap(mapped, aligned - start);
    const std::uintptr_t end = aligned + rounded;
    const std::uintptr_t mapped_end = start + rounded + kHugePage;
    if (mapped_end > end) munmap(reinterpret_cast<void*>(end), mapped_end - end);
    madvise(reinterpret_cast<void*>(aligned), rounded, MADV_HUGEPAGE);
    if (actual_size != nullptr) *actual_size = rounded;
    return reinterpret_cast<void*>(aligned);
  }

 private:
  SysAllocator* fallback_;
};

}  // namespace

void install_huge_page_heap() {
  MallocExtension* tcmalloc = MallocExtension::instance();
  // Lives as long as the process: tcmalloc keeps calling it.
  static HugePageAllocator allocator(tcmalloc->GetSystemAllocator());
  tcmalloc->SetSystemAllocator(&allocator);
}

}  // namespace kafkasim::cli

#else

namespace kafkasim::cli {

void install_huge_page_heap() {}

}  // namespace kafkasim::cli

#endif
