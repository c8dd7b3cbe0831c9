#include "xdplbctl/table.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace xdplb::ctl {

std::string number_text(std::uint64_t value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%" PRIu64, value);
  return buffer;
}

std::string pad(const std::string& value, std::size_t width) {
  return value.size() >= width ? value : value + std::string(width - value.size(), ' ');
}

std::string render_table(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right_align) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (widths.size() <= c) widths.resize(c + 1, 0);
      widths[c] = std::max(widths[c], row[c].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const bool right = c < right_align.size() && right_align[c];
      const std::string padding(widths[c] - row[c].size(), ' ');
      if (c) line += "  ";
      if (right)
        line += padding + row[c];
      else
        line += row[c] + (c + 1 < row.size() ? padding : "");
    }
    // Empty trailing cells leave padding nobody wants at the end of a line.
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + '\n';
  }
  return out;
}

}  // namespace xdplb::ctl
