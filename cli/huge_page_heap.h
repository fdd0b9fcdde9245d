// Backs tcmalloc's heap with transparent huge pages, where the kernel offers them on request
// (`madvise` mode, Debian's default). A quickstart run touches about 140 MB of fresh memory:
// with 4 KiB pages that is some 35,000 page faults, a tenth of the run on this VM; with 2 MiB
// pages, a few hundred. Does nothing when the binary is not linked with tcmalloc.
#pragma once

namespace kafkasim::cli {

void install_huge_page_heap();

}  // namespace kafkasim::cli
