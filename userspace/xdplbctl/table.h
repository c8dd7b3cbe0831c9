// Text layout shared by xdplbctl's formatters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xdplb::ctl {

// Columns as wide as their widest cell, two spaces apart; the last column is not padded.
std::string render_table(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right_align = {});
// `value` padded with spaces to `width`.
std::string pad(const std::string& value, std::size_t width);
std::string number_text(std::uint64_t value);

}  // namespace xdplb::ctl
