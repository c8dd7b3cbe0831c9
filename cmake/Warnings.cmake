# Every C++ target of the project builds warning-free under GCC 12 and clang 14.
add_library(xdplb_warnings INTERFACE)
target_compile_options(xdplb_warnings INTERFACE
  -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wlogical-op>)
